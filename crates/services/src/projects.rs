//! Projects (PR1): a project belongs to an organization, has a name and a status, and is a
//! scope where project-level roles are assigned (P3). A project is visible exactly when its
//! organization is; another tenant's project is "not found".

use crate::Services;
use crate::auth::OrgScope;
use crate::error::ServiceError;
use crate::records::*;
use portico_domain::ids::{CourseId, ProjectId};
use portico_domain::page::{Page, PageRequest};
use portico_domain::{ProjectName, ProjectStatus, Timestamp};

/// What a person or program sends to create a project.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub name: String,
    /// `active` when absent.
    pub status: Option<ProjectStatus>,
    /// PR1: a course activated for the organization.
    pub course_template_id: Option<CourseId>,
    /// When it starts, in UTC (`2026-12-24T14:00`, `…:00Z`); blank or absent: not scheduled.
    pub starts_at: Option<String>,
    /// Where it takes place.
    pub location: Option<String>,
}

/// What may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ProjectUpdate {
    pub name: Option<String>,
    pub status: Option<ProjectStatus>,
    /// `Some(None)` removes the course template.
    pub course_template_id: Option<Option<CourseId>>,
    /// `Some(None)` (or a blank time) unschedules the project.
    pub starts_at: Option<Option<String>>,
    pub location: Option<String>,
}

/// Proof that a project exists and that its organization is within the caller's reach:
/// the organization's [`OrgScope`] and the project. Only [`Services::project_scope`] builds
/// one.
#[derive(Debug, Clone)]
pub struct ProjectScope {
    org: OrgScope,
    project: ProjectRecord,
}

impl ProjectScope {
    pub fn org_scope(&self) -> &OrgScope {
        &self.org
    }
    pub fn project(&self) -> &ProjectRecord {
        &self.project
    }
    pub fn scope(&self) -> ScopeRef {
        ScopeRef::Project(self.project.id)
    }
    /// The caller's permission check at the project itself (what is held at its organization
    /// and above reaches it).
    pub fn require(&self, perm: &str) -> Result<(), ServiceError> {
        self.org.actor().require(perm, self.scope())
    }
    pub fn can(&self, perm: &str) -> bool {
        self.org.actor().can(perm, self.scope())
    }
}

fn parse_name(raw: &str) -> Result<String, ServiceError> {
    Ok(ProjectName::parse(raw)?.as_str().to_string())
}

/// A start time, or none for a blank one.
fn parse_start(raw: Option<&str>) -> Result<Option<Timestamp>, ServiceError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Ok(Some(portico_domain::project::parse_starts_at(s)?)),
    }
}

impl Services {
    /// A project the caller may act on. Unknown, or in an organization outside the caller's
    /// reach → not found (ids do not leak across tenants).
    pub async fn project_scope(
        &self,
        actor: &crate::auth::BackOffice,
        id: ProjectId,
    ) -> Result<ProjectScope, ServiceError> {
        let not_found = || ServiceError::NotFound("project");
        let project = self.store.get_project(id).await?.ok_or_else(not_found)?;
        if !actor.sees_org(project.org_id) {
            return Err(not_found());
        }
        let org = self
            .store
            .get_org(project.org_id)
            .await?
            .ok_or_else(not_found)?;
        let org = self.scope_for(actor, org).map_err(|_| not_found())?;
        Ok(ProjectScope { org, project })
    }

    /// The organization's projects, by name (`projects.view` in the organization).
    pub async fn list_projects(
        &self,
        scope: &OrgScope,
        page: PageRequest,
    ) -> Result<Page<ProjectRecord>, ServiceError> {
        scope.require("projects.view")?;
        Ok(self.store.list_projects(scope.org_id(), &page).await?)
    }

    /// PR1: a new project in the organization (`projects.manage` there).
    pub async fn create_project(
        &self,
        scope: &OrgScope,
        input: ProjectInput,
    ) -> Result<ProjectRecord, ServiceError> {
        scope.require("projects.manage")?;
        let new = NewProject {
            id: ProjectId::generate(),
            org_id: scope.org_id(),
            name: parse_name(&input.name)?,
            status: input.status.unwrap_or(ProjectStatus::Active),
            course_template_id: input.course_template_id,
            starts_at: parse_start(input.starts_at.as_deref())?,
            location: portico_domain::project::parse_location(
                input.location.as_deref().unwrap_or(""),
            )?,
        };
        Ok(self
            .store
            .create_project(&scope.actor().principal().audit_ctx(self), new)
            .await?)
    }

    /// One project (`projects.view` at the project).
    pub async fn get_project(&self, scope: &ProjectScope) -> Result<ProjectRecord, ServiceError> {
        scope.require("projects.view")?;
        Ok(scope.project.clone())
    }

    /// Renames, archives or (re)schedules a project (`projects.manage` at the project); a
    /// stale `expected_version` is refused. A new time or place is sent to everyone enrolled
    /// (C5's calendar invitation), in the same transaction.
    pub async fn update_project(
        &self,
        scope: &ProjectScope,
        expected_version: Option<i64>,
        update: ProjectUpdate,
    ) -> Result<ProjectRecord, ServiceError> {
        let patch = ProjectPatch {
            name: update.name.as_deref().map(parse_name).transpose()?,
            status: update.status,
            course_template_id: update.course_template_id,
            starts_at: update
                .starts_at
                .map(|s| parse_start(s.as_deref()))
                .transpose()?,
            location: update
                .location
                .as_deref()
                .map(portico_domain::project::parse_location)
                .transpose()?,
        };
        scope.require("projects.manage")?;
        Ok(self
            .store
            .update_project(
                &scope.org.actor().principal().audit_ctx(self),
                scope.project.id,
                expected_version,
                patch,
            )
            .await?)
    }

    /// Deletes a project with the role assignments and overrides at its scope
    /// (`projects.manage` at the project). Taking those away is acting on each holder (P6):
    /// the caller must hold at the project what each of them holds there.
    pub async fn delete_project(
        &self,
        scope: &ProjectScope,
    ) -> Result<ProjectDeleted, ServiceError> {
        scope.require("projects.manage")?;
        let actor = scope.org.actor();
        let access = actor.access();
        let at = scope.scope();
        for id in access.users_attached_at(at) {
            self.demote_check(actor, id, at)?;
        }
        Ok(self
            .store
            .delete_project(&actor.principal().audit_ctx(self), scope.project.id)
            .await?)
    }
}
