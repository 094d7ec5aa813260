//! Home: the platform at a glance — counts and members per top-level organization.

use super::view::{Cx, OrgView};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use portico_domain::page::PageRequest;
use portico_services::records::{OrgFilter, Reach};
use serde::Serialize;

/// How many top-level organizations the chart compares.
const CHART_ORGS: u32 = 12;

/// One bar of the chart: widths are percentages of the largest organization, so the SVG can
/// size them with attributes (the CSP forbids inline styles).
#[derive(Debug, Serialize)]
struct Bar {
    org: OrgView,
    members: i64,
    internal: i64,
    external: i64,
    internal_pct: f64,
    external_pct: f64,
    sub_organizations: i64,
}

pub async fn home(State(st): State<AppState>, headers: HeaderMap, cx: Cx) -> Response {
    // Platform totals only for someone who sees the whole platform (P5).
    let counts = if portico_services::orgs::sees_whole_platform(&cx.admin) {
        match st.services.platform_counts(&cx.admin).await {
            Ok(c) => c,
            Err(e) => return cx.error(&st, e),
        }
    } else {
        Default::default()
    };
    // Someone who reaches only some organizations sees those, wherever they sit in the tree.
    let everywhere = cx.admin.reach("organizations.view") == Reach::All;
    let top = match st
        .services
        .list_orgs(
            &cx.admin,
            OrgFilter {
                q: None,
                parent: if everywhere { Some(None) } else { None },
            },
            PageRequest::first(CHART_ORGS),
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return cx.error(&st, e),
    };
    let more_top_level = top.next.is_some();
    let mut bars = Vec::with_capacity(top.items.len());
    for org in &top.items {
        let scope = match st.services.org_scope(&cx.admin, org.id).await {
            Ok(s) => s,
            Err(_) => continue, // deleted meanwhile
        };
        let Ok(detail) = st.services.org_detail(&scope).await else {
            continue;
        };
        let o = detail.overview;
        bars.push(Bar {
            org: OrgView::from(org),
            members: o.members,
            internal: o.internal_members,
            external: o.members - o.internal_members,
            internal_pct: 0.0,
            external_pct: 0.0,
            sub_organizations: o.sub_organizations,
        });
    }
    bars.sort_by(|a, b| {
        b.members
            .cmp(&a.members)
            .then_with(|| a.org.name.cmp(&b.org.name))
    });
    let max = bars.iter().map(|b| b.members).max().unwrap_or(0).max(1) as f64;
    for b in &mut bars {
        b.internal_pct = round1(b.internal as f64 * 100.0 / max);
        b.external_pct = round1(b.external as f64 * 100.0 / max);
    }
    // R5: the platform's sign-in KPIs for whoever reads reports on the whole platform.
    let dashboard = st.services.dashboard(&cx.admin).await.ok().flatten();
    let logins_chart = dashboard
        .as_ref()
        .map(|d| super::charts::logins_per_day(&d.logins.per_day, 760, 240));
    let seats_chart = dashboard
        .as_ref()
        .map(|d| super::charts::seats_per_org(&d.seats, 760));
    // S3: the support text is for organization administrators, not for those who run the
    // whole platform (they write it). Sanitised HTML, so it is inserted as it is.
    let support_html = if portico_services::orgs::sees_whole_platform(&cx.admin) {
        None
    } else {
        match st.services.support_text_for_home().await {
            Ok(t) if !t.html.trim().is_empty() => Some(minijinja::Value::from_safe_string(t.html)),
            Ok(_) => None,
            Err(e) => return cx.error(&st, e),
        }
    };
    // C5: an organization administrator is told while one of their organizations' seats is
    // at a warning level, in the notification template of their browser's language.
    let license_notices = match st
        .services
        .license_notices(
            &cx.admin,
            super::credential_pages::language_of(&headers).as_deref(),
        )
        .await
    {
        Ok(n) => n,
        Err(e) => return cx.error(&st, e),
    };
    let active_users = counts.users - counts.blocked_users;
    let blocked_pct = if counts.users > 0 {
        round1(counts.blocked_users as f64 * 100.0 / counts.users as f64)
    } else {
        0.0
    };
    cx.render(
        &st,
        "home.html",
        context! {
            title => "Home",
            counts => counts,
            active_users => active_users,
            blocked_pct => blocked_pct,
            blocked_x => round1(100.0 - blocked_pct),
            bars => bars,
            more_top_level => more_top_level,
            everywhere => everywhere,
            dashboard => dashboard.as_ref().map(|d| context! {
                active_30d => d.logins.distinct_users,
                logins_30d => d.logins.logins,
                app_seats => d.app_seats_used,
                office_seats => d.office_seats_used,
            }),
            logins_chart => logins_chart,
            seats_chart => seats_chart,
            support_html => support_html,
            license_notices => license_notices,
        },
    )
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
