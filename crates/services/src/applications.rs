//! Applications (A1–A5): defined on the platform (`applications.view`/`applications.manage`
//! there), assigned to organizations and granted per membership (`applications.manage` in the
//! organization), shown next to people in user lists (A4), and registering their own
//! permissions into the catalogue (A5).

use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::*;
use portico_domain::access::Level;
use portico_domain::access::set::MAX_PERMISSIONS;
use portico_domain::application::parse_app_permission;
use portico_domain::ids::{AppId, OrgId, UserId};
use portico_domain::page::{Page, PageRequest};
use portico_domain::{AppName, AppStatus, Slug, ValidationError};
use std::collections::HashMap;

/// What a person or program sends to define an application.
#[derive(Debug, Clone, Default)]
pub struct AppInput {
    pub name: String,
    /// Made from the name when absent.
    pub slug: Option<String>,
    pub description: String,
    /// `active` when absent.
    pub status: Option<AppStatus>,
    pub auto_assigned: bool,
    pub is_default: bool,
}

/// What may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct AppUpdate {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub status: Option<AppStatus>,
    pub auto_assigned: Option<bool>,
    pub is_default: Option<bool>,
}

/// A5: a permission to register.
#[derive(Debug, Clone, Default)]
pub struct AppPermissionInput {
    pub key: String,
    pub description: String,
    /// `platform`, `organization`, `project`; all three when empty.
    pub levels: Vec<String>,
}

/// A user of the global list with the applications of the memberships the viewer sees (A4).
#[derive(Debug, Clone)]
pub struct UserWithApps {
    pub user: UserRecord,
    pub applications: Vec<AppBrief>,
}

const DESCRIPTION_MAX: usize = 2000;

fn parse_description(raw: &str) -> Result<String, ServiceError> {
    let d = raw.trim();
    if d.chars().count() > DESCRIPTION_MAX {
        return Err(ValidationError::new("description", "at most 2000 characters").into());
    }
    Ok(d.to_string())
}

fn parse_slug(raw: &str) -> Result<String, ServiceError> {
    Ok(Slug::parse(raw)?.to_string())
}

fn parse_name(raw: &str) -> Result<String, ServiceError> {
    Ok(AppName::parse(raw)?.as_str().to_string())
}

/// The viewer may see application definitions: `applications.view` anywhere (definitions are
/// platform data, not a tenant's).
fn require_view(actor: &BackOffice) -> Result<(), ServiceError> {
    if actor.reach("applications.view") == Reach::Orgs(Vec::new()) {
        return Err(ServiceError::Forbidden(
            "you need the permission applications.view".into(),
        ));
    }
    Ok(())
}

/// Deduplicated, in the order given.
fn dedup(ids: Vec<AppId>) -> Vec<AppId> {
    let mut out: Vec<AppId> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

impl Services {
    /// Applications by name (`applications.view`).
    pub async fn list_apps(
        &self,
        actor: &BackOffice,
        page: PageRequest,
    ) -> Result<Page<AppRecord>, ServiceError> {
        require_view(actor)?;
        Ok(self.store.list_apps(&page).await?)
    }

    /// An application by id or slug (`applications.view`).
    pub async fn resolve_app(
        &self,
        actor: &BackOffice,
        key: &str,
    ) -> Result<AppRecord, ServiceError> {
        if let Ok(id) = AppId::parse(key.trim()) {
            return self.get_app(actor, id).await;
        }
        require_view(actor)?;
        let mut page = PageRequest::first(portico_domain::page::MAX_LIMIT);
        loop {
            let p = self.store.list_apps(&page).await?;
            if let Some(a) = p.items.iter().find(|a| a.slug == key.trim()) {
                return Ok(a.clone());
            }
            match p.next {
                Some(next) => page.after = Some(next),
                None => return Err(ServiceError::NotFound("application")),
            }
        }
    }

    /// One application (`applications.view`).
    pub async fn get_app(&self, actor: &BackOffice, id: AppId) -> Result<AppRecord, ServiceError> {
        require_view(actor)?;
        self.store
            .get_app(id)
            .await?
            .ok_or(ServiceError::NotFound("application"))
    }

    /// A1: defines an application (`applications.manage` on the platform). A default one is
    /// assigned to every new organization; an auto-assigned one reaches every organization now
    /// and later, and their members within the seat limits.
    pub async fn create_app(
        &self,
        actor: &BackOffice,
        input: AppInput,
    ) -> Result<AppSaved, ServiceError> {
        let name = parse_name(&input.name)?;
        let slug = match input
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => parse_slug(s)?,
            None => Slug::from_name(&name)
                .ok_or_else(|| ValidationError::new("slug", "choose a slug (a-z, 0-9, -)"))?
                .to_string(),
        };
        let new = NewApp {
            id: AppId::generate(),
            name,
            slug,
            description: parse_description(&input.description)?,
            status: input.status.unwrap_or(AppStatus::Active),
            auto_assigned: input.auto_assigned,
            is_default: input.is_default,
        };
        actor.require("applications.manage", ScopeRef::Platform)?;
        Ok(self
            .store
            .create_app(&actor.principal().audit_ctx(self), new)
            .await
            .inspect(|_| self.seats_written())?)
    }

    /// Changes an application (`applications.manage` on the platform); a stale
    /// `expected_version` is refused.
    pub async fn update_app(
        &self,
        actor: &BackOffice,
        id: AppId,
        expected_version: Option<i64>,
        update: AppUpdate,
    ) -> Result<AppSaved, ServiceError> {
        let patch = AppPatch {
            name: update.name.as_deref().map(parse_name).transpose()?,
            slug: update.slug.as_deref().map(parse_slug).transpose()?,
            description: update
                .description
                .as_deref()
                .map(parse_description)
                .transpose()?,
            status: update.status,
            auto_assigned: update.auto_assigned,
            is_default: update.is_default,
        };
        actor.require("applications.manage", ScopeRef::Platform)?;
        Ok(self
            .store
            .update_app(
                &actor.principal().audit_ctx(self),
                id,
                expected_version,
                patch,
            )
            .await
            .inspect(|_| self.seats_written())?)
    }

    /// What deleting an application takes away (`applications.manage` on the platform).
    pub async fn app_delete_preview(
        &self,
        actor: &BackOffice,
        id: AppId,
    ) -> Result<AppDeleted, ServiceError> {
        actor.require("applications.manage", ScopeRef::Platform)?;
        Ok(self.store.app_delete_preview(id).await?)
    }

    /// Deletes an application with its assignments, members' access and permissions. When
    /// members hold it, the caller must have seen how many and confirmed.
    pub async fn delete_app(
        &self,
        actor: &BackOffice,
        id: AppId,
        confirmed: bool,
    ) -> Result<AppDeleted, ServiceError> {
        actor.require("applications.manage", ScopeRef::Platform)?;
        let preview = self.store.app_delete_preview(id).await?;
        if !confirmed && (preview.members > 0 || preview.organizations > 0) {
            return Err(ServiceError::conflict(
                "confirmation-required",
                format!(
                    "{} is assigned to {} organization(s) and {} member(s) lose access. Repeat with confirm=true to proceed.",
                    preview.app.name, preview.organizations, preview.members
                ),
            ));
        }
        Ok(self
            .store
            .delete_app(&actor.principal().audit_ctx(self), id)
            .await?)
    }

    /// A2: the organization's applications (`applications.view` there).
    pub async fn org_apps(&self, scope: &OrgScope) -> Result<Vec<OrgAppRow>, ServiceError> {
        scope.require("applications.view")?;
        Ok(self.store.org_apps(scope.org_id()).await?)
    }

    /// A2: assigns an application, inactive ones too (`applications.manage` there).
    pub async fn assign_app(
        &self,
        scope: &OrgScope,
        app: AppId,
    ) -> Result<OrgAppRow, ServiceError> {
        scope.require("applications.manage")?;
        Ok(self
            .store
            .assign_app(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                app,
            )
            .await?)
    }

    /// A3: how many members lose the application if it is unassigned.
    pub async fn unassign_preview(
        &self,
        scope: &OrgScope,
        app: AppId,
    ) -> Result<UnassignPreview, ServiceError> {
        scope.require("applications.manage")?;
        Ok(self.store.unassign_preview(scope.org_id(), app).await?)
    }

    /// A3: unassigns the application and revokes it from every member there, in one
    /// transaction. When members hold it, the caller must have seen how many and confirmed.
    pub async fn unassign_app(
        &self,
        scope: &OrgScope,
        app: AppId,
        confirmed: bool,
    ) -> Result<UnassignPreview, ServiceError> {
        scope.require("applications.manage")?;
        let preview = self.store.unassign_preview(scope.org_id(), app).await?;
        if !confirmed && preview.members_losing_access > 0 {
            return Err(ServiceError::conflict(
                "confirmation-required",
                format!(
                    "{} member(s) of {} lose access to {}. Repeat with confirm=true to proceed.",
                    preview.members_losing_access,
                    scope.org().name,
                    preview.app.name
                ),
            ));
        }
        Ok(self
            .store
            .unassign_app(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                app,
            )
            .await?)
    }

    /// A3: sets which applications a member may use here (`applications.manage` there). Only
    /// applications assigned to the organization; a first one takes an application seat.
    pub async fn set_member_apps(
        &self,
        scope: &OrgScope,
        user: UserId,
        apps: Vec<AppId>,
    ) -> Result<Vec<AppBrief>, ServiceError> {
        scope.require("applications.manage")?;
        self.visible_user(scope.actor(), user)
            .await
            .map_err(|_| ServiceError::NotFound("member"))?;
        Ok(self
            .store
            .set_member_apps(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                user,
                dedup(apps),
            )
            .await
            .inspect(|_| self.seats_written())?)
    }

    /// A3: the member's applications here (`applications.view` there).
    pub async fn member_applications(
        &self,
        scope: &OrgScope,
        user: UserId,
    ) -> Result<Vec<AppBrief>, ServiceError> {
        scope.require("applications.view")?;
        let mut by_user = self
            .apps_by_user(scope.actor(), Some(scope.org_id()), &[user])
            .await?;
        Ok(by_user.remove(&user).unwrap_or_default())
    }

    /// A4: the global user list with each person's applications, in the organizations the
    /// viewer sees (one query per page for the applications).
    pub async fn search_users_with_apps(
        &self,
        actor: &BackOffice,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<UserWithApps>, ServiceError> {
        let users = self.search_users(actor, q, page).await?;
        let ids: Vec<UserId> = users.items.iter().map(|u| u.id).collect();
        let mut by_user = self.apps_by_user(actor, None, &ids).await?;
        Ok(Page {
            items: users
                .items
                .into_iter()
                .map(|u| UserWithApps {
                    applications: by_user.remove(&u.id).unwrap_or_default(),
                    user: u,
                })
                .collect(),
            next: users.next,
        })
    }

    /// Each user's applications (in `org`, or in every organization the viewer sees; one
    /// entry per application).
    pub(crate) async fn apps_by_user(
        &self,
        actor: &BackOffice,
        org: Option<OrgId>,
        users: &[UserId],
    ) -> Result<HashMap<UserId, Vec<AppBrief>>, ServiceError> {
        let mut out: HashMap<UserId, Vec<AppBrief>> = HashMap::new();
        if users.is_empty() {
            return Ok(out);
        }
        for r in self.store.member_apps(org, users).await? {
            if org.is_none() && !actor.sees_org(r.org_id) {
                continue;
            }
            let v = out.entry(r.user_id).or_default();
            if !v.iter().any(|a| a.id == r.app.id) {
                v.push(r.app);
            }
        }
        Ok(out)
    }

    /// A5: registers a permission of the application (`applications.manage` on the
    /// platform). It joins the catalogue on every server's next request, so roles can carry
    /// it; past the catalogue's capacity it is refused.
    pub async fn register_app_permission(
        &self,
        actor: &BackOffice,
        app: AppId,
        input: AppPermissionInput,
    ) -> Result<AppPermissionRecord, ServiceError> {
        actor.require("applications.manage", ScopeRef::Platform)?;
        let app = self
            .store
            .get_app(app)
            .await?
            .ok_or(ServiceError::NotFound("application"))?;
        let (perm, levels) = parse_app_permission(&app.slug, &input.key, &input.levels)?;
        let base = self.access.catalog();
        if base.index_of(perm.as_str()).is_ok() {
            return Err(ServiceError::conflict(
                "permission-exists",
                format!("{perm} is one of Portico's own permissions"),
            ));
        }
        let description = input.description.trim();
        if description.is_empty() {
            return Err(ValidationError::new("description", "describe what it allows").into());
        }
        if description.chars().count() > 200 {
            return Err(ValidationError::new("description", "at most 200 characters").into());
        }
        let record = AppPermissionRecord {
            key: perm.to_string(),
            app_id: app.id,
            app_slug: app.slug.clone(),
            app_name: app.name.clone(),
            description: description.to_string(),
            levels,
            created_at: self.now(),
        };
        let capacity = MAX_PERMISSIONS.saturating_sub(base.len());
        Ok(self
            .store
            .register_app_permission(&actor.principal().audit_ctx(self), record, capacity)
            .await?)
    }

    /// A5: the application's registered permissions (`applications.view`).
    pub async fn app_permissions(
        &self,
        actor: &BackOffice,
        app: AppId,
    ) -> Result<Vec<AppPermissionRecord>, ServiceError> {
        require_view(actor)?;
        self.store
            .get_app(app)
            .await?
            .ok_or(ServiceError::NotFound("application"))?;
        Ok(self.store.app_permissions(Some(app)).await?)
    }

    /// The applications a member may be given here, for a form: the organization's
    /// (with `applications.manage` there), else none.
    pub async fn grantable_apps(&self, scope: &OrgScope) -> Result<Vec<OrgAppRow>, ServiceError> {
        if !scope.can("applications.manage") {
            return Ok(Vec::new());
        }
        Ok(self.store.org_apps(scope.org_id()).await?)
    }
}

/// The levels a registered permission applies at, as stored (space-separated).
pub fn levels_key(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
