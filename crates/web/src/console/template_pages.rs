//! Settings → Email templates, Notification templates and Support text (C5, S4, S3): lists
//! filtered and sorted by language, an edit form with a preview rendered with the declared
//! sample values, and reset to default after a confirmation. `settings.view` to look,
//! `settings.manage` to change; the services check again.

use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use portico_services::ServiceError;
use portico_services::records::ScopeRef;
use portico_services::templates::platform::PlatformKind;
use portico_services::templates::platform_edit::PlatformListFilter;
use portico_services::templates::records::TemplateSort;
use portico_services::templates::sandbox::Sources;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/{kind}", get(list))
        .route("/settings/{kind}/{key}/{lang}", get(edit).post(save))
        .route(
            "/settings/{kind}/{key}/{lang}/reset",
            get(reset_page).post(reset),
        )
        .route(
            "/settings/support-text",
            get(support_page).post(support_save),
        )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    language: String,
    sort: String,
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct TemplateForm {
    subject: String,
    html_body: String,
    text_body: String,
    /// The version the editor was read at (the form's hidden field).
    version: String,
    /// `preview` or `save`.
    action: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    confirm: String,
    version: String,
}

/// `/settings/email-templates` → email, `/settings/notification-templates` → notification;
/// anything else is not one of these pages.
fn kind_of(slug: &str) -> Option<(PlatformKind, &'static str, &'static str)> {
    match slug {
        "email-templates" => Some((PlatformKind::Email, "email-templates", "Email templates")),
        "notification-templates" => Some((
            PlatformKind::Notification,
            "notification-templates",
            "Notification templates",
        )),
        _ => None,
    }
}

async fn list(
    State(st): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some((kind, slug, title)) = kind_of(&slug) else {
        return cx.not_found(&st, "page");
    };
    let sort = TemplateSort::parse(&q.sort).unwrap_or_default();
    let language = Some(q.language.trim().to_string()).filter(|l| !l.is_empty());
    let filter = PlatformListFilter {
        language: language.clone(),
        sort,
    };
    let (rows, errors) = match st
        .services
        .list_platform_templates(&cx.admin, kind, &filter)
        .await
    {
        Ok(r) => (r, FormErrors::default()),
        Err(e @ ServiceError::Invalid(_)) => (Vec::new(), FormErrors::from_service(&e, &[])),
        Err(e) => return cx.error(&st, e),
    };
    cx.render(
        &st,
        "settings/templates.html",
        context! {
            title => title,
            subsection => slug,
            slug => slug,
            heading => title,
            is_email => kind == PlatformKind::Email,
            rows => rows,
            language => language.unwrap_or_default(),
            sort => sort.as_str(),
            errors => errors,
        },
    )
}

#[allow(clippy::too_many_arguments)]
async fn render_edit(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    kind: PlatformKind,
    key: &str,
    lang: &str,
    form: Option<&TemplateForm>,
    preview: Option<portico_services::templates::sandbox::Rendered>,
    errors: &FormErrors,
) -> Response {
    let t = match st
        .services
        .get_platform_template(&cx.admin, kind, key, lang)
        .await
    {
        Ok(t) => t,
        Err(e) => return cx.error(st, e),
    };
    let values = match form {
        Some(f) => context! {
            subject => f.subject, html_body => f.html_body, text_body => f.text_body,
            version => f.version,
        },
        None => context! {
            subject => t.subject, html_body => t.html, text_body => t.text,
            version => t.version.to_string(),
        },
    };
    cx.render_status(
        st,
        status,
        "settings/template_edit.html",
        context! {
            title => format!("{} · {} ({})", title, t.key, t.language),
            subsection => slug,
            slug => slug,
            heading => title,
            is_email => kind == PlatformKind::Email,
            t => t,
            form => values,
            preview => preview,
            errors => errors,
            may_manage => cx.admin.can("settings.manage", ScopeRef::Platform),
            action => format!("/settings/{slug}/{key}/{lang}"),
        },
    )
}

async fn edit(
    State(st): State<AppState>,
    cx: Cx,
    Path((slug, key, lang)): Path<(String, String, String)>,
) -> Response {
    let Some((kind, slug, title)) = kind_of(&slug) else {
        return cx.not_found(&st, "page");
    };
    render_edit(
        &st,
        &cx,
        StatusCode::OK,
        slug,
        title,
        kind,
        &key,
        &lang,
        None,
        None,
        &FormErrors::default(),
    )
    .await
}

async fn save(
    State(st): State<AppState>,
    cx: Cx,
    Path((slug, key, lang)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<TemplateForm>,
) -> Response {
    let Some((kind, slug, title)) = kind_of(&slug) else {
        return cx.not_found(&st, "page");
    };
    let sources = Sources {
        subject: form.subject.clone(),
        html: form.html_body.clone(),
        text: form.text_body.clone(),
    };
    let result = if form.action == "preview" {
        st.services
            .preview_platform_template(&cx.admin, kind, &key, &lang, Some(sources))
            .await
            .map(Some)
    } else {
        let expected = form.version.trim().parse::<i64>().ok();
        st.services
            .put_platform_template(&cx.admin, kind, &key, &lang, sources, expected)
            .await
            .map(|_| None)
    };
    match result {
        Ok(Some(preview)) => {
            render_edit(
                &st,
                &cx,
                StatusCode::OK,
                slug,
                title,
                kind,
                &key,
                &lang,
                Some(&form),
                Some(preview),
                &FormErrors::default(),
            )
            .await
        }
        Ok(None) => redirect_flash(
            &st,
            &format!("/settings/{slug}/{key}/{lang}"),
            "success",
            format!("Saved: “{key}” in {lang} now uses your version."),
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(&st, e),
        Err(e) => {
            let errors = match e {
                ServiceError::PreconditionFailed => FormErrors::alert(
                    "Someone else saved or reset this template while you were editing. \
                     Your version was not saved: reload the page to see the current one, then edit again.",
                ),
                e => FormErrors::from_service(&e, &[]),
            };
            render_edit(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                slug,
                title,
                kind,
                &key,
                &lang,
                Some(&form),
                None,
                &errors,
            )
            .await
        }
    }
}

async fn reset_page(
    State(st): State<AppState>,
    cx: Cx,
    Path((slug, key, lang)): Path<(String, String, String)>,
) -> Response {
    let Some((kind, slug, title)) = kind_of(&slug) else {
        return cx.not_found(&st, "page");
    };
    let t = match st
        .services
        .get_platform_template(&cx.admin, kind, &key, &lang)
        .await
    {
        Ok(t) => t,
        Err(e) => return cx.error(&st, e),
    };
    cx.render(
        &st,
        "settings/template_reset.html",
        context! {
            title => format!("Reset {} ({})", t.key, t.language),
            subsection => slug,
            slug => slug,
            heading => title,
            t => t,
            action => format!("/settings/{slug}/{key}/{lang}/reset"),
            back => format!("/settings/{slug}/{key}/{lang}"),
        },
    )
}

async fn reset(
    State(st): State<AppState>,
    cx: Cx,
    Path((slug, key, lang)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let Some((kind, slug, _)) = kind_of(&slug) else {
        return cx.not_found(&st, "page");
    };
    let back = format!("/settings/{slug}/{key}/{lang}");
    if form.confirm != "yes" {
        return redirect_flash(&st, &back, "info", "Nothing was reset.");
    }
    let expected = form.version.trim().parse::<i64>().ok();
    match st
        .services
        .reset_platform_template(&cx.admin, kind, &key, &lang, expected)
        .await
    {
        Ok(_) => redirect_flash(
            &st,
            &back,
            "success",
            format!("“{key}” in {lang} is back to the built-in version."),
        ),
        Err(ServiceError::PreconditionFailed) => redirect_flash(
            &st,
            &back,
            "error",
            "Someone else saved or reset this template since you opened it: nothing was reset. \
             Check the current version, then reset again if you still want to.",
        ),
        Err(e) => cx.error(&st, e),
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct SupportForm {
    markdown: String,
    action: String,
}

async fn support_page(State(st): State<AppState>, cx: Cx) -> Response {
    match st.services.support_text(&cx.admin).await {
        Ok(t) => render_support(
            &st,
            &cx,
            StatusCode::OK,
            &t.markdown,
            None,
            &FormErrors::default(),
        ),
        Err(e) => cx.error(&st, e),
    }
}

fn render_support(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    markdown: &str,
    preview: Option<String>,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "settings/support_text.html",
        context! {
            title => "Support text",
            subsection => "support-text",
            markdown => markdown,
            preview => preview.map(minijinja::Value::from_safe_string),
            errors => errors,
            may_manage => cx.admin.can("settings.manage", ScopeRef::Platform),
        },
    )
}

async fn support_save(
    State(st): State<AppState>,
    cx: Cx,
    CsrfForm(form): CsrfForm<SupportForm>,
) -> Response {
    if form.action == "preview" {
        if let Err(e) = st.services.support_text(&cx.admin).await {
            return cx.error(&st, e);
        }
        let html = portico_services::templates::support::markdown_to_safe_html(&form.markdown);
        return render_support(
            &st,
            &cx,
            StatusCode::OK,
            &form.markdown,
            Some(html),
            &FormErrors::default(),
        );
    }
    match st
        .services
        .set_support_text(&cx.admin, &form.markdown)
        .await
    {
        Ok(_) => redirect_flash(
            &st,
            "/settings/support-text",
            "success",
            "Support text saved: organization administrators see it on Home.",
        ),
        Err(e @ ServiceError::Forbidden(_)) => cx.error(&st, e),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            render_support(
                &st,
                &cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.markdown,
                None,
                &errors,
            )
        }
    }
}
