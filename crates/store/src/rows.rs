//! Reading rows into records. Database values are trusted: they were written from parsed
//! domain values, so a value that does not parse is reported as a storage error.

use portico_domain::access::Level;
use portico_domain::ids::ProjectId;
use portico_domain::ids::{ApiKeyId, AssignmentId, OrgId, OverrideId, RoleId, SessionId, UserId};
use portico_domain::user::{MembershipKind, UserStatus};
use portico_domain::{OrgStatus, ProjectStatus, Timestamp};
use portico_services::StoreError;
use portico_services::records::*;
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) type R<T> = Result<T, StoreError>;

fn corrupt(col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("column {col}: {e}"))
}

pub(crate) fn s(r: &AnyRow, c: &str) -> R<String> {
    r.try_get::<String, _>(c).map_err(|e| corrupt(c, e))
}
pub(crate) fn os(r: &AnyRow, c: &str) -> R<Option<String>> {
    r.try_get::<Option<String>, _>(c).map_err(|e| corrupt(c, e))
}
pub(crate) fn i(r: &AnyRow, c: &str) -> R<i64> {
    r.try_get::<i64, _>(c).map_err(|e| corrupt(c, e))
}
pub(crate) fn oi(r: &AnyRow, c: &str) -> R<Option<i64>> {
    r.try_get::<Option<i64>, _>(c).map_err(|e| corrupt(c, e))
}
pub(crate) fn b(r: &AnyRow, c: &str) -> R<bool> {
    // SQLite may hand a BOOLEAN column back as an integer.
    match r.try_get::<bool, _>(c) {
        Ok(v) => Ok(v),
        Err(_) => i(r, c).map(|v| v != 0),
    }
}
pub(crate) fn ts(r: &AnyRow, c: &str) -> R<Timestamp> {
    i(r, c).map(Timestamp)
}
pub(crate) fn ots(r: &AnyRow, c: &str) -> R<Option<Timestamp>> {
    oi(r, c).map(|v| v.map(Timestamp))
}
pub(crate) fn org_id(r: &AnyRow, c: &str) -> R<OrgId> {
    OrgId::parse(&s(r, c)?).map_err(|e| corrupt(c, e))
}
pub(crate) fn oorg_id(r: &AnyRow, c: &str) -> R<Option<OrgId>> {
    os(r, c)?
        .map(|v| OrgId::parse(&v).map_err(|e| corrupt(c, e)))
        .transpose()
}
pub(crate) fn user_id(r: &AnyRow, c: &str) -> R<UserId> {
    UserId::parse(&s(r, c)?).map_err(|e| corrupt(c, e))
}

pub(crate) fn ouser_id(r: &AnyRow, c: &str) -> R<Option<UserId>> {
    os(r, c)?
        .map(|v| UserId::parse(&v).map_err(|e| corrupt(c, e)))
        .transpose()
}

/// Permission keys are stored space-separated.
pub(crate) fn join_keys(keys: &[String]) -> String {
    keys.join(" ")
}
pub(crate) fn split_keys(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

pub(crate) fn scope(r: &AnyRow, c: &str) -> R<ScopeRef> {
    ScopeRef::parse(&s(r, c)?).map_err(|e| corrupt(c, e))
}

pub(crate) fn role(r: &AnyRow) -> R<RoleRecord> {
    Ok(RoleRecord {
        id: RoleId::parse(&s(r, "id")?).map_err(|e| corrupt("id", e))?,
        key: s(r, "key")?,
        name: s(r, "name")?,
        level: Level::parse(&s(r, "level")?).ok_or_else(|| corrupt("level", "unknown"))?,
        description: s(r, "description")?,
        permissions: split_keys(&s(r, "permissions")?),
        reach: s(r, "reach")?,
        preset: b(r, "preset")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

pub(crate) fn assignment(r: &AnyRow) -> R<AssignmentRecord> {
    Ok(AssignmentRecord {
        id: AssignmentId::parse(&s(r, "id")?).map_err(|e| corrupt("id", e))?,
        user_id: user_id(r, "user_id")?,
        role_id: RoleId::parse(&s(r, "role_id")?).map_err(|e| corrupt("role_id", e))?,
        scope: scope(r, "scope")?,
        expires_at: ots(r, "expires_at")?,
        created_at: ts(r, "created_at")?,
        created_by: ouser_id(r, "created_by")?,
    })
}

pub(crate) fn override_(r: &AnyRow) -> R<OverrideRecord> {
    Ok(OverrideRecord {
        id: OverrideId::parse(&s(r, "id")?).map_err(|e| corrupt("id", e))?,
        user_id: user_id(r, "user_id")?,
        effect: OverrideEffect::parse(&s(r, "effect")?)
            .ok_or_else(|| corrupt("effect", "unknown"))?,
        permission: s(r, "permission")?,
        scope: scope(r, "scope")?,
        created_at: ts(r, "created_at")?,
    })
}

pub(crate) fn relationship(r: &AnyRow) -> R<RelationshipRecord> {
    Ok(RelationshipRecord {
        org_id: org_id(r, "org_id")?,
        relation: s(r, "relation")?,
        from_user_id: user_id(r, "from_user_id")?,
        to_user_id: user_id(r, "to_user_id")?,
        created_at: ts(r, "created_at")?,
    })
}

pub(crate) fn user(r: &AnyRow) -> R<UserRecord> {
    Ok(UserRecord {
        id: user_id(r, "id")?,
        username: s(r, "username")?,
        email: s(r, "email")?,
        first_name: s(r, "first_name")?,
        last_name: s(r, "last_name")?,
        description: s(r, "description")?,
        status: UserStatus::parse(&s(r, "status")?).ok_or_else(|| corrupt("status", "unknown"))?,
        is_super_admin: b(r, "is_super_admin")?,
        is_platform_admin: b(r, "is_platform_admin")?,
        home_org_id: oorg_id(r, "home_org_id")?,
        ip_allowlist: os(r, "ip_allowlist")?,
        language: os(r, "language")?,
        created_at: ts(r, "created_at")?,
        last_login_at: ots(r, "last_login_at")?,
        version: i(r, "version")?,
    })
}

pub(crate) fn org(r: &AnyRow) -> R<OrgRecord> {
    Ok(OrgRecord {
        id: org_id(r, "id")?,
        name: s(r, "name")?,
        slug: s(r, "slug")?,
        parent_id: oorg_id(r, "parent_id")?,
        status: OrgStatus::parse(&s(r, "status")?).ok_or_else(|| corrupt("status", "unknown"))?,
        tags: serde_json::from_str(&s(r, "tags")?).map_err(|e| corrupt("tags", e))?,
        attributes: serde_json::from_str(&s(r, "attributes")?)
            .map_err(|e| corrupt("attributes", e))?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: i(r, "version")?,
    })
}

pub(crate) fn project(r: &AnyRow) -> R<ProjectRecord> {
    Ok(ProjectRecord {
        id: ProjectId::parse(&s(r, "id")?).map_err(|e| corrupt("id", e))?,
        org_id: org_id(r, "organization_id")?,
        name: s(r, "name")?,
        status: ProjectStatus::parse(&s(r, "status")?)
            .ok_or_else(|| corrupt("status", "unknown"))?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: i(r, "version")?,
        course_template_id: os(r, "course_template_id")?
            .map(|c| portico_domain::ids::CourseId::parse(&c))
            .transpose()
            .map_err(|e| corrupt("course_template_id", e))?,
        starts_at: ots(r, "starts_at")?,
        location: s(r, "location")?,
    })
}

pub(crate) fn org_brief(r: &AnyRow) -> R<OrgBrief> {
    Ok(OrgBrief {
        id: org_id(r, "id")?,
        name: s(r, "name")?,
        slug: s(r, "slug")?,
    })
}

pub(crate) fn kind(r: &AnyRow, c: &str) -> R<MembershipKind> {
    MembershipKind::parse(&s(r, c)?).ok_or_else(|| corrupt(c, "unknown kind"))
}

pub(crate) fn session(r: &AnyRow) -> R<SessionRecord> {
    Ok(SessionRecord {
        id: SessionId::parse(&s(r, "s_id")?).map_err(|e| corrupt("s_id", e))?,
        token_hash: s(r, "s_token_hash")?,
        user_id: user_id(r, "s_user_id")?,
        csrf_token: s(r, "s_csrf_token")?,
        created_at: ts(r, "s_created_at")?,
        last_seen_at: ts(r, "s_last_seen_at")?,
        expires_at: ts(r, "s_expires_at")?,
        ip: os(r, "s_ip")?,
        user_agent: os(r, "s_user_agent")?,
        impersonator_id: ouser_id(r, "s_impersonator_id")?,
        impersonation_reason: os(r, "s_impersonation_reason")?,
        idle_secs: oi(r, "s_idle_secs")?,
    })
}

pub(crate) fn api_key(r: &AnyRow, p: &str) -> R<ApiKeyRecord> {
    let c = |n: &str| format!("{p}{n}");
    Ok(ApiKeyRecord {
        id: ApiKeyId::parse(&s(r, &c("id"))?).map_err(|e| corrupt("id", e))?,
        user_id: user_id(r, &c("user_id"))?,
        name: s(r, &c("name"))?,
        secret_hash: s(r, &c("secret_hash"))?,
        created_at: ts(r, &c("created_at"))?,
        expires_at: ots(r, &c("expires_at"))?,
        last_used_at: ots(r, &c("last_used_at"))?,
        revoked_at: ots(r, &c("revoked_at"))?,
        permissions: os(r, &c("permissions"))?.as_deref().map(split_keys),
        org_id: oorg_id(r, &c("org_id"))?,
        ip_allowlist: os(r, &c("ip_allowlist"))?,
    })
}

pub(crate) fn app_id(r: &AnyRow, c: &str) -> R<portico_domain::ids::AppId> {
    portico_domain::ids::AppId::parse(&s(r, c)?).map_err(|e| corrupt(c, e))
}

/// An application from [`crate::schema::APP_COLUMNS`], optionally prefixed (`a_id`, …).
pub(crate) fn app_with(r: &AnyRow, p: &str) -> R<AppRecord> {
    let c = |n: &str| format!("{p}{n}");
    Ok(AppRecord {
        id: app_id(r, &c("id"))?,
        name: s(r, &c("name"))?,
        slug: s(r, &c("slug"))?,
        description: s(r, &c("description"))?,
        status: portico_domain::AppStatus::parse(&s(r, &c("status"))?)
            .ok_or_else(|| corrupt("status", "unknown"))?,
        auto_assigned: b(r, &c("auto_assigned"))?,
        is_default: b(r, &c("is_default"))?,
        created_at: ts(r, &c("created_at"))?,
        updated_at: ts(r, &c("updated_at"))?,
        version: i(r, &c("version"))?,
    })
}

pub(crate) fn app(r: &AnyRow) -> R<AppRecord> {
    app_with(r, "")
}

pub(crate) fn app_permission(r: &AnyRow) -> R<AppPermissionRecord> {
    let levels = s(r, "levels")?
        .split_whitespace()
        .map(|l| Level::parse(l).ok_or_else(|| corrupt("levels", l)))
        .collect::<R<Vec<_>>>()?;
    Ok(AppPermissionRecord {
        key: s(r, "key")?,
        app_id: app_id(r, "app_id")?,
        app_slug: s(r, "app_slug")?,
        app_name: s(r, "app_name")?,
        description: s(r, "description")?,
        levels,
        created_at: ts(r, "created_at")?,
    })
}
