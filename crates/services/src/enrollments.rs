//! Enrollments (PR1): a member of a project's organization takes part in the project with a
//! project-level role (Learner, Instructor, …).
//!
//! Decision: an enrollment is a participation record, not a grant. It gives no back-office
//! permission and the access engine never loads it (ten million of them stay in the database).
//! The people who administer a project are those holding role assignments at its scope (R3).

use crate::Services;
use crate::error::StoreError;
use crate::projects::ProjectScope;
use crate::records::AuditCtx;
use async_trait::async_trait;
use portico_domain::Timestamp;
use portico_domain::ValidationError;
use portico_domain::access::Level;
use portico_domain::ids::{OrgId, ProjectId, RoleId, UserId};
use portico_domain::page::{Page, PageRequest};

/// One enrollment with the person and the role, as lists show it.
#[derive(Debug, Clone)]
pub struct EnrollmentRow {
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role_id: RoleId,
    /// `None` when the role was deleted since.
    pub role_name: Option<String>,
    pub created_at: Timestamp,
}

impl EnrollmentRow {
    pub fn display_name(&self) -> String {
        let n = format!("{} {}", self.first_name, self.last_name);
        match n.trim() {
            "" => self.username.clone(),
            n => n.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewEnrollment {
    pub project_id: ProjectId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role_id: RoleId,
}

/// What the store keeps of enrollments; `Store` extends it.
#[async_trait]
pub trait EnrollmentStore: Send + Sync {
    /// The project's enrollments by username, in keyset pages.
    async fn list_enrollments(
        &self,
        project: ProjectId,
        page: &PageRequest,
    ) -> Result<Page<EnrollmentRow>, StoreError>;
    async fn get_enrollment(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<EnrollmentRow>, StoreError>;
    /// Rule (field `user`) when the user is not a member of the organization; Conflict
    /// `already-enrolled` when they are enrolled already. Audited as `enrollment.create`.
    async fn enroll(&self, ctx: &AuditCtx, new: NewEnrollment)
    -> Result<EnrollmentRow, StoreError>;
    /// NotFound `enrollment` when there is none. Audited as `enrollment.delete`.
    async fn unenroll(
        &self,
        ctx: &AuditCtx,
        project: ProjectId,
        user: UserId,
    ) -> Result<EnrollmentRow, StoreError>;
    /// How many enrollments each of these projects has (projects without any are left out).
    async fn enrollment_counts(
        &self,
        projects: &[ProjectId],
    ) -> Result<Vec<(ProjectId, i64)>, StoreError>;
}

/// What a person or program sends to enroll someone.
#[derive(Debug, Clone)]
pub struct EnrollInput {
    pub user: UserId,
    pub role: RoleId,
}

impl Services {
    /// The project's enrollments (`projects.view` at the project).
    pub async fn list_enrollments(
        &self,
        scope: &ProjectScope,
        page: PageRequest,
    ) -> Result<Page<EnrollmentRow>, crate::ServiceError> {
        scope.require("projects.view")?;
        Ok(self
            .store
            .list_enrollments(scope.project().id, &page)
            .await?)
    }

    /// One enrollment (`projects.view` at the project).
    pub async fn get_enrollment(
        &self,
        scope: &ProjectScope,
        user: UserId,
    ) -> Result<EnrollmentRow, crate::ServiceError> {
        scope.require("projects.view")?;
        self.store
            .get_enrollment(scope.project().id, user)
            .await?
            .ok_or(crate::ServiceError::NotFound("enrollment"))
    }

    /// PR1: enrolls a member of the project's organization with a project-level role
    /// (`enrollments.manage` at the project). Not a grant: no escalation check applies.
    pub async fn enroll(
        &self,
        scope: &ProjectScope,
        input: EnrollInput,
    ) -> Result<EnrollmentRow, crate::ServiceError> {
        scope.require("enrollments.manage")?;
        let actor = scope.org_scope().actor();
        let role = actor.access().role(input.role).ok_or_else(|| {
            crate::ServiceError::Invalid(ValidationError::new("role", "no such role"))
        })?;
        if role.level != Level::Project {
            return Err(crate::ServiceError::Invalid(ValidationError::new(
                "role",
                format!("{} is not a project role", role.name),
            )));
        }
        let new = NewEnrollment {
            project_id: scope.project().id,
            org_id: scope.project().org_id,
            user_id: input.user,
            role_id: role.id,
        };
        Ok(self
            .store
            .enroll(&actor.principal().audit_ctx(self), new)
            .await?)
    }

    /// Ends an enrollment (`enrollments.manage` at the project).
    pub async fn unenroll(
        &self,
        scope: &ProjectScope,
        user: UserId,
    ) -> Result<EnrollmentRow, crate::ServiceError> {
        scope.require("enrollments.manage")?;
        Ok(self
            .store
            .unenroll(
                &scope.org_scope().actor().principal().audit_ctx(self),
                scope.project().id,
                user,
            )
            .await?)
    }

    /// Enrollment counts for a page of the organization's projects (`projects.view` there).
    pub async fn enrollment_counts(
        &self,
        scope: &crate::OrgScope,
        projects: &[ProjectId],
    ) -> Result<std::collections::HashMap<ProjectId, i64>, crate::ServiceError> {
        scope.require("projects.view")?;
        Ok(self
            .store
            .enrollment_counts(projects)
            .await?
            .into_iter()
            .collect())
    }

    /// The person a console form names by id, username or email, for enrolling: anyone the
    /// name does not find is "not a member" (so the form reveals nothing about other tenants).
    pub async fn find_enrollee(&self, who: &str) -> Result<UserId, crate::ServiceError> {
        let not_member = || {
            crate::ServiceError::Invalid(ValidationError::new(
                "user",
                "is not a member of the project's organization",
            ))
        };
        if let Ok(id) = UserId::parse(who.trim()) {
            return Ok(id);
        }
        let key = crate::sessions::login_key(who);
        match self.store.find_login(&key).await? {
            Some((u, _)) => Ok(u.id),
            None => Err(not_member()),
        }
    }

    /// The project-level roles one may enroll with, by name.
    pub fn project_roles(&self, scope: &ProjectScope) -> Vec<crate::records::RoleRecord> {
        let mut roles: Vec<_> = scope
            .org_scope()
            .actor()
            .access()
            .roles()
            .iter()
            .filter(|r| r.level == Level::Project)
            .cloned()
            .collect();
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        roles
    }
}
