//! Catalog → Emails (C2: the catalog's email templates, filtered and sorted by language, a
//! form with a preview) and an organization's Emails tab (C4: a switch per template, a plain
//! form button per row). `catalog.view` / `catalog.manage` as the API; the services check.

use super::orgs::load_org;
use super::view::{Cx, FormErrors, redirect_flash};
use crate::AppState;
use crate::auth::CsrfForm;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use portico_domain::ids::EmailTemplateId;
use portico_services::ServiceError;
use portico_services::records::ScopeRef;
use portico_services::templates::catalog::CatalogEmailInput;
use portico_services::templates::records::{CatalogEmailTemplate, TemplateFilter, TemplateSort};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog/emails", get(list))
        .route("/catalog/emails/new", get(new_page).post(create))
        .route("/catalog/emails/{id}", get(edit).post(update))
        .route("/organizations/{org}/emails", get(org_tab))
        .route("/organizations/{org}/emails/{id}", post(org_switch))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    language: String,
    sort: String,
}

impl ListQuery {
    fn filter(&self) -> TemplateFilter {
        TemplateFilter {
            language: Some(self.language.trim().to_string()).filter(|l| !l.is_empty()),
            sort: TemplateSort::parse(&self.sort).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct EmailForm {
    key: String,
    language: String,
    subject: String,
    html_body: String,
    text_body: String,
    /// One variable a line: `name | description | sample`.
    variables: String,
    action: String,
}

impl EmailForm {
    fn of(t: &CatalogEmailTemplate) -> Self {
        Self {
            key: t.key.clone(),
            language: t.language.clone(),
            subject: t.subject.clone(),
            html_body: t.html.clone(),
            text_body: t.text.clone(),
            variables: t
                .variables
                .iter()
                .map(|v| format!("{} | {} | {}", v.name, v.description, v.sample))
                .collect::<Vec<_>>()
                .join("\n"),
            action: String::new(),
        }
    }
    fn input(&self) -> CatalogEmailInput {
        CatalogEmailInput {
            key: self.key.clone(),
            language: self.language.clone(),
            subject: self.subject.clone(),
            html: self.html_body.clone(),
            text: self.text_body.clone(),
            variables: self
                .variables
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let mut p = l.splitn(3, '|').map(|s| s.trim().to_string());
                    (
                        p.next().unwrap_or_default(),
                        p.next().unwrap_or_default(),
                        p.next().unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }
}

async fn list(State(st): State<AppState>, cx: Cx, Query(q): Query<ListQuery>) -> Response {
    let filter = q.filter();
    let (rows, errors) = match st.services.list_catalog_emails(&cx.admin, &filter).await {
        Ok(r) => (r, FormErrors::default()),
        Err(e @ ServiceError::Invalid(_)) => (Vec::new(), FormErrors::from_service(&e, &[])),
        Err(e) => return cx.error(&st, e),
    };
    cx.render(
        &st,
        "catalog/emails.html",
        context! {
            title => "Catalog · Emails",
            subsection => "catalog-emails",
            rows => rows,
            language => filter.language.unwrap_or_default(),
            sort => filter.sort.as_str(),
            errors => errors,
            may_manage => cx.admin.can("catalog.manage", ScopeRef::Platform),
        },
    )
}

fn render_form(
    st: &AppState,
    cx: &Cx,
    status: StatusCode,
    action: &str,
    form: &EmailForm,
    preview: Option<portico_services::templates::sandbox::Rendered>,
    errors: &FormErrors,
) -> Response {
    cx.render_status(
        st,
        status,
        "catalog/email_form.html",
        context! {
            title => if form.key.is_empty() { "New email template".to_string() } else { format!("Email template {}", form.key) },
            subsection => "catalog-emails",
            action => action,
            form => form,
            preview => preview,
            errors => errors,
            may_manage => cx.admin.can("catalog.manage", ScopeRef::Platform),
        },
    )
}

async fn new_page(State(st): State<AppState>, cx: Cx) -> Response {
    if let Err(e) = cx.admin.require("catalog.manage", ScopeRef::Platform) {
        return cx.error(&st, e);
    }
    let form = EmailForm {
        language: "en".into(),
        variables: "first_name | The recipient's first name | Anna".into(),
        ..Default::default()
    };
    render_form(
        &st,
        &cx,
        StatusCode::OK,
        "/catalog/emails/new",
        &form,
        None,
        &FormErrors::default(),
    )
}

async fn submit(
    st: &AppState,
    cx: &Cx,
    action: &str,
    form: EmailForm,
    id: Option<EmailTemplateId>,
) -> Response {
    if form.action == "preview" {
        return match st
            .services
            .preview_catalog_email(&cx.admin, None, Some(form.input()))
            .await
        {
            Ok(p) => render_form(
                st,
                cx,
                StatusCode::OK,
                action,
                &form,
                Some(p),
                &FormErrors::default(),
            ),
            Err(e @ ServiceError::Forbidden(_)) => cx.error(st, e),
            Err(e) => {
                let errors = FormErrors::from_service(&e, &[]);
                render_form(
                    st,
                    cx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    action,
                    &form,
                    None,
                    &errors,
                )
            }
        };
    }
    let saved = match id {
        None => {
            st.services
                .create_catalog_email(&cx.admin, form.input())
                .await
        }
        Some(id) => {
            st.services
                .update_catalog_email(&cx.admin, id, None, form.input())
                .await
        }
    };
    match saved {
        Ok(t) => redirect_flash(
            st,
            &format!("/catalog/emails/{}", t.id),
            "success",
            format!("Email template “{}” ({}) saved.", t.key, t.language),
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::NotFound(_))) => cx.error(st, e),
        Err(e) => {
            let errors = FormErrors::from_service(&e, &[]);
            render_form(
                st,
                cx,
                StatusCode::UNPROCESSABLE_ENTITY,
                action,
                &form,
                None,
                &errors,
            )
        }
    }
}

async fn create(
    State(st): State<AppState>,
    cx: Cx,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Response {
    submit(&st, &cx, "/catalog/emails/new", form, None).await
}

async fn edit(State(st): State<AppState>, cx: Cx, Path(id): Path<String>) -> Response {
    let Ok(id) = EmailTemplateId::parse(id.trim()) else {
        return cx.not_found(&st, "email template");
    };
    match st.services.get_catalog_email(&cx.admin, id).await {
        Ok(t) => render_form(
            &st,
            &cx,
            StatusCode::OK,
            &format!("/catalog/emails/{id}"),
            &EmailForm::of(&t),
            None,
            &FormErrors::default(),
        ),
        Err(e) => cx.error(&st, e),
    }
}

async fn update(
    State(st): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Response {
    let Ok(id) = EmailTemplateId::parse(id.trim()) else {
        return cx.not_found(&st, "email template");
    };
    submit(&st, &cx, &format!("/catalog/emails/{id}"), form, Some(id)).await
}

async fn org_tab(
    State(st): State<AppState>,
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let filter = q.filter();
    let rows = match st.services.org_catalog_emails(&scope, &filter).await {
        Ok(r) => r,
        Err(e) => return cx.error(&st, e),
    };
    cx.render(
        &st,
        "orgs/emails.html",
        context! {
            title => format!("{} · Emails", header.org.name),
            tab => "emails",
            h => header,
            rows => rows,
            language => filter.language.unwrap_or_default(),
            sort => filter.sort.as_str(),
        },
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SwitchForm {
    /// `on` or `off`.
    enabled: String,
}

async fn org_switch(
    State(st): State<AppState>,
    cx: Cx,
    Path((key, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<SwitchForm>,
) -> Response {
    let (scope, header) = match load_org(&st, &cx, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(id) = EmailTemplateId::parse(id.trim()) else {
        return cx.not_found(&st, "email template");
    };
    let on = form.enabled == "on";
    let back = format!("{}/emails", header.org.href);
    match st.services.set_org_catalog_email(&scope, id, on).await {
        Ok(_) => redirect_flash(
            &st,
            &back,
            "success",
            if on {
                format!("Email template switched on for {}.", header.org.name)
            } else {
                format!("Email template switched off for {}.", header.org.name)
            },
        ),
        Err(e) => cx.error(&st, e),
    }
}
