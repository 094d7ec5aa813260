//! Organizations (O1–O3) and their members (U3, U4).

use super::dto::*;
use super::{ApiJson, ListQuery, if_match, parse_id, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use portico_domain::OrgStatus;
use portico_domain::ids::{OrgId, UserId};
use portico_services::members::AddMemberInput;
use portico_services::orgs::{OrgInput, OrgUpdate};
use portico_services::records::{AddOutcome, OrgFilter};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organizations", get(list).post(create))
        .route(
            "/api/v1/organizations/{org}",
            get(get_one).patch(update).delete(delete),
        )
        .route(
            "/api/v1/organizations/{org}/delete-preview",
            get(delete_preview),
        )
        .route(
            "/api/v1/organizations/{org}/members",
            get(list_members).post(add_member),
        )
        .route(
            "/api/v1/organizations/{org}/members/{user}",
            get(member_removal).delete(remove_member),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrgListQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Name or slug prefix.
    pub q: Option<String>,
    /// `root` for top-level organizations, or an organization id for its children.
    pub parent: Option<String>,
}

/// Organizations, sorted by name.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(OrgListQuery),
    responses((status = 200, body = Page<Organization>)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiQuery(q): ApiQuery<OrgListQuery>,
) -> ApiResult<Json<Page<Organization>>> {
    let page = ListQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
        q: None,
    }
    .page()?;
    let parent = match q.parent.as_deref() {
        None => None,
        Some("root") => Some(None),
        Some(p) => Some(Some(parse_id::<OrgId>(p, "organization")?)),
    };
    let p = st
        .services
        .list_orgs(&a, OrgFilter { q: q.q, parent }, page)
        .await?;
    Ok(Json(Page::from_page(p)))
}

/// Creates an organization.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = CreateOrganization,
    responses((status = 201, body = Organization), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Admin(a): Admin,
    ApiJson(b): ApiJson<CreateOrganization>,
) -> ApiResult<Response> {
    let parent_id = b
        .parent_id
        .as_deref()
        .map(|p| {
            OrgId::parse(p).map_err(|_| {
                ApiError::from(portico_services::ServiceError::Invalid(
                    portico_domain::ValidationError::new("parent_id", "not an organization id"),
                ))
            })
        })
        .transpose()?;
    let org = st
        .services
        .create_org(
            &a,
            OrgInput {
                name: b.name,
                slug: b.slug,
                parent_id,
                tags: b.tags,
                attributes: b.attributes,
            },
        )
        .await?;
    let v = org.version;
    let mut r = with_etag(v, Organization::from(org));
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// An organization (by id or slug) with its overview counts (O2).
#[utoipa::path(get, path = "/api/v1/organizations/{org}", tag = "organizations", params(("org" = String, Path, description = "id or slug")),
    responses((status = 200, body = OrganizationDetail), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn get_one(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
) -> ApiResult<Response> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let d = st.services.org_detail(&scope).await?;
    let v = d.organization.version;
    Ok(with_etag(
        v,
        OrganizationDetail {
            organization: d.organization.into(),
            ancestors: d.ancestors.into_iter().map(Into::into).collect(),
            members: d.overview.members,
            internal_members: d.overview.internal_members,
            sub_organizations: d.overview.sub_organizations,
        },
    ))
}

/// Changes an organization. Send `If-Match` with the `ETag` you read: a stale one gets 412.
#[utoipa::path(patch, path = "/api/v1/organizations/{org}", tag = "organizations", request_body = UpdateOrganization,
    params(("org" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Organization), (status = 412, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<UpdateOrganization>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let scope = st.services.resolve_org(&a, &org).await?;
    let invalid = |f: &'static str, m: &str| {
        ApiError::from(portico_services::ServiceError::Invalid(
            portico_domain::ValidationError::new(f, m),
        ))
    };
    let parent_id = match b.parent_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(p)) => {
            Some(Some(OrgId::parse(&p).map_err(|_| {
                invalid("parent_id", "not an organization id")
            })?))
        }
    };
    let status = b
        .status
        .as_deref()
        .map(|s| OrgStatus::parse(s).ok_or_else(|| invalid("status", "active or suspended")))
        .transpose()?;
    let org = st
        .services
        .update_org(
            &scope,
            expected,
            OrgUpdate {
                name: b.name,
                slug: b.slug,
                parent_id,
                status,
                tags: b.tags,
                attributes: b.attributes,
            },
        )
        .await?;
    Ok(with_etag(org.version, Organization::from(org)))
}

/// What deleting the organization would remove (O3).
#[utoipa::path(get, path = "/api/v1/organizations/{org}/delete-preview", tag = "organizations", params(("org" = String, Path)),
    responses((status = 200, body = DeletePreview)), security(("bearer" = []), ("session" = [])))]
pub async fn delete_preview(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
) -> ApiResult<Json<DeletePreview>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    Ok(Json(st.services.org_delete_preview(&scope).await?.into()))
}

/// Deletes the organization, its sub-organizations, their memberships and internal users.
/// Only the super admin may delete a top-level organization.
#[utoipa::path(delete, path = "/api/v1/organizations/{org}", tag = "organizations", params(("org" = String, Path)),
    responses((status = 200, body = DeletePreview, description = "what was removed"), (status = 403, body = crate::problem::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
) -> ApiResult<Json<DeletePreview>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    Ok(Json(st.services.delete_org(&scope).await?.into()))
}

/// Members of the organization, newest first; `q` filters by name, email or username.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/members", tag = "members", params(("org" = String, Path), ListQuery),
    responses((status = 200, body = Page<Member>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_members(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Member>>> {
    let page = q.page()?;
    let scope = st.services.resolve_org(&a, &org).await?;
    let p = st
        .services
        .list_members(&scope, q.q.as_deref(), page)
        .await?;
    Ok(Json(Page::from_page(p)))
}

/// Adds a person by email (U3): an unknown email creates a user internal to this
/// organization (`created`); a known one adds an external membership (`added_external`).
#[utoipa::path(post, path = "/api/v1/organizations/{org}/members", tag = "members", params(("org" = String, Path)), request_body = AddMember,
    responses((status = 201, body = MemberAdded), (status = 409, body = crate::problem::Problem, description = "already a member")),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_member(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<AddMember>,
) -> ApiResult<Response> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let credentials = portico_domain::credential::CredentialChoice::parse(
        b.credentials.as_deref().unwrap_or_default(),
    )
    .map_err(portico_services::ServiceError::from)?;
    let added = st
        .services
        .add_member(
            &scope,
            AddMemberInput {
                email: b.email,
                username: b.username,
                first_name: b.first_name,
                last_name: b.last_name,
                credentials,
                language: b.language,
                applications: b
                    .applications
                    .map(|ids| {
                        ids.iter()
                            .map(|s| super::applications::parse_app_ref(s))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?,
            },
        )
        .await?;
    let outcome = match added.outcome {
        AddOutcome::Created => "created",
        AddOutcome::AddedExternal => "added_external",
    };
    Ok((
        StatusCode::CREATED,
        Json(MemberAdded {
            user: added.user.into(),
            outcome: outcome.into(),
            generated_password: added.generated_password,
            welcome_email: added.welcome_email,
        }),
    )
        .into_response())
}

/// What removing this member would do (U4): for an internal member, the other organizations
/// that would lose the person.
#[utoipa::path(get, path = "/api/v1/organizations/{org}/members/{user}", tag = "members", params(("org" = String, Path), ("user" = String, Path)),
    responses((status = 200, body = MemberRemoval), (status = 404, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn member_removal(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, user)): Path<(String, String)>,
) -> ApiResult<Json<MemberRemoval>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let user: UserId = parse_id(&user, "member")?;
    Ok(Json(
        st.services
            .member_removal_preview(&scope, user)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConfirmQuery {
    /// Required when the member is internal: removing them deletes the user everywhere.
    pub confirm: Option<bool>,
}

/// Removes a member (U4). External: the membership only. Internal: the user is deleted from
/// the whole system, which needs `confirm=true` (otherwise 409 `confirmation-required`).
#[utoipa::path(delete, path = "/api/v1/organizations/{org}/members/{user}", tag = "members",
    params(("org" = String, Path), ("user" = String, Path), ConfirmQuery),
    responses((status = 200, body = MemberRemoval), (status = 409, body = crate::problem::Problem)), security(("bearer" = []), ("session" = [])))]
pub async fn remove_member(
    State(st): State<AppState>,
    Admin(a): Admin,
    Path((org, user)): Path<(String, String)>,
    ApiQuery(c): ApiQuery<ConfirmQuery>,
) -> ApiResult<Json<MemberRemoval>> {
    let scope = st.services.resolve_org(&a, &org).await?;
    let user: UserId = parse_id(&user, "member")?;
    Ok(Json(
        st.services
            .remove_member(&scope, user, c.confirm.unwrap_or(false))
            .await?
            .into(),
    ))
}
