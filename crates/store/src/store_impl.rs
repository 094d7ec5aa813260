//! The trait, forwarded to the concept modules.

use crate::rows::R;
use crate::{Backend, SqlStore};
use async_trait::async_trait;
use portico_domain::Timestamp;
use portico_domain::access::DataFilter;
use portico_domain::audit::ChainBreak;
use portico_domain::ids::{
    ApiKeyId, AppId, AssignmentId, EmailId, OrgId, OverrideId, ProjectId, RoleId, UserId,
};
use portico_domain::page::{Page, PageRequest};
use portico_domain::user::UserStatus;
use portico_services::Store;
use portico_services::records::*;
use portico_services::users::UserPatch;

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
    async fn ping(&self) -> R<()> {
        let mut c = self.conn().await?;
        sqlx::query("SELECT 1")
            .execute(&mut *c)
            .await
            .map_err(crate::db_err)?;
        Ok(())
    }
    async fn super_admin(&self) -> R<Option<UserRecord>> {
        self.super_admin_q().await
    }
    async fn create_user(&self, ctx: &AuditCtx, new: NewUser) -> R<UserRecord> {
        self.create_user_q(ctx, new).await
    }
    async fn get_user(&self, id: UserId) -> R<Option<UserRecord>> {
        self.get_user_q(id).await
    }
    async fn find_login(&self, key: &str) -> R<Option<(UserRecord, Option<String>)>> {
        self.find_login_q(key).await
    }
    async fn search_users(
        &self,
        terms: Option<&[String]>,
        page: &PageRequest,
        reach: &UserReach,
    ) -> R<Page<UserRecord>> {
        self.search_users_q(terms, page, reach).await
    }
    async fn user_memberships(&self, id: UserId) -> R<Vec<MembershipRecord>> {
        self.user_memberships_q(id).await
    }
    async fn set_user_status(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        status: UserStatus,
    ) -> R<UserRecord> {
        self.set_user_status_q(ctx, id, status).await
    }
    async fn delete_user(&self, ctx: &AuditCtx, id: UserId) -> R<()> {
        self.delete_user_q(ctx, id).await
    }
    async fn update_user(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        v: Option<i64>,
        p: UserPatch,
    ) -> R<UserRecord> {
        self.update_user_q(ctx, id, v, p).await
    }
    async fn record_login(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        s: SessionRecord,
        t: LoginThrottleKeys,
    ) -> R<()> {
        self.record_login_q(ctx, id, s, t).await
    }
    async fn create_org(&self, ctx: &AuditCtx, new: NewOrg) -> R<OrgRecord> {
        self.create_org_q(ctx, new).await
    }
    async fn get_org(&self, id: OrgId) -> R<Option<OrgRecord>> {
        self.get_org_q(id).await
    }
    async fn get_org_by_slug(&self, slug: &str) -> R<Option<OrgRecord>> {
        self.get_org_by_slug_q(slug).await
    }
    async fn org_ancestors(&self, id: OrgId) -> R<Vec<OrgBrief>> {
        self.org_ancestors_q(id).await
    }
    async fn list_orgs(&self, f: &OrgFilter, p: &PageRequest, r: &Reach) -> R<Page<OrgRecord>> {
        self.list_orgs_q(f, p, r).await
    }
    async fn update_org(
        &self,
        ctx: &AuditCtx,
        id: OrgId,
        v: Option<i64>,
        p: OrgPatch,
    ) -> R<OrgRecord> {
        self.update_org_q(ctx, id, v, p).await
    }
    async fn org_overview(&self, id: OrgId) -> R<OrgOverview> {
        self.org_overview_q(id).await
    }
    async fn org_delete_preview(&self, id: OrgId) -> R<OrgDeletePreview> {
        self.org_delete_preview_q(id).await
    }
    async fn delete_org(&self, ctx: &AuditCtx, id: OrgId) -> R<OrgDeletePreview> {
        self.delete_org_q(ctx, id).await
    }
    async fn create_project(&self, ctx: &AuditCtx, new: NewProject) -> R<ProjectRecord> {
        self.create_project_q(ctx, new).await
    }
    async fn get_project(&self, id: ProjectId) -> R<Option<ProjectRecord>> {
        self.get_project_q(id).await
    }
    async fn list_projects(&self, org: OrgId, page: &PageRequest) -> R<Page<ProjectRecord>> {
        self.list_projects_q(org, page).await
    }
    async fn update_project(
        &self,
        ctx: &AuditCtx,
        id: ProjectId,
        expected_version: Option<i64>,
        patch: ProjectPatch,
    ) -> R<ProjectRecord> {
        self.update_project_q(ctx, id, expected_version, patch)
            .await
    }
    async fn delete_project(&self, ctx: &AuditCtx, id: ProjectId) -> R<ProjectDeleted> {
        self.delete_project_q(ctx, id).await
    }
    async fn list_apps(&self, page: &PageRequest) -> R<Page<AppRecord>> {
        self.list_apps_q(page).await
    }
    async fn get_app(&self, id: AppId) -> R<Option<AppRecord>> {
        self.get_app_q(id).await
    }
    async fn create_app(&self, ctx: &AuditCtx, new: NewApp) -> R<AppSaved> {
        self.create_app_q(ctx, new).await
    }
    async fn update_app(
        &self,
        ctx: &AuditCtx,
        id: AppId,
        v: Option<i64>,
        p: AppPatch,
    ) -> R<AppSaved> {
        self.update_app_q(ctx, id, v, p).await
    }
    async fn app_delete_preview(&self, id: AppId) -> R<AppDeleted> {
        self.app_delete_preview_q(id).await
    }
    async fn delete_app(&self, ctx: &AuditCtx, id: AppId) -> R<AppDeleted> {
        self.delete_app_q(ctx, id).await
    }
    async fn org_apps(&self, org: OrgId) -> R<Vec<OrgAppRow>> {
        self.org_apps_q(org).await
    }
    async fn assign_app(&self, ctx: &AuditCtx, org: OrgId, app: AppId) -> R<OrgAppRow> {
        self.assign_app_q(ctx, org, app).await
    }
    async fn unassign_preview(&self, org: OrgId, app: AppId) -> R<UnassignPreview> {
        self.unassign_preview_q(org, app).await
    }
    async fn unassign_app(&self, ctx: &AuditCtx, org: OrgId, app: AppId) -> R<UnassignPreview> {
        self.unassign_app_q(ctx, org, app).await
    }
    async fn set_member_apps(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        user: UserId,
        apps: Vec<AppId>,
    ) -> R<Vec<AppBrief>> {
        self.set_member_apps_q(ctx, org, user, apps).await
    }
    async fn member_apps(&self, org: Option<OrgId>, users: &[UserId]) -> R<Vec<MemberAppRow>> {
        self.member_apps_q(org, users).await
    }
    async fn register_app_permission(
        &self,
        ctx: &AuditCtx,
        p: AppPermissionRecord,
        capacity: usize,
    ) -> R<AppPermissionRecord> {
        self.register_app_permission_q(ctx, p, capacity).await
    }
    async fn app_permissions(&self, app: Option<AppId>) -> R<Vec<AppPermissionRecord>> {
        self.app_permissions_q(app).await
    }
    async fn licenses(&self, org: OrgId, at: Timestamp) -> R<LicenseUsage> {
        self.licenses_q(org, at).await
    }
    async fn set_licenses(&self, ctx: &AuditCtx, org: OrgId, p: LicensePatch) -> R<LicenseUsage> {
        self.set_licenses_q(ctx, org, p).await
    }
    async fn add_member(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        m: NewMember,
    ) -> R<(UserRecord, AddOutcome)> {
        self.add_member_q(ctx, org, m).await
    }
    async fn list_members(
        &self,
        org: OrgId,
        t: Option<&[String]>,
        p: &PageRequest,
    ) -> R<Page<MemberRow>> {
        self.list_members_q(org, t, p).await
    }
    async fn removal_preview(&self, org: OrgId, user: UserId) -> R<RemovalPreview> {
        self.removal_preview_q(org, user).await
    }
    async fn remove_member(&self, ctx: &AuditCtx, org: OrgId, user: UserId) -> R<RemovalPreview> {
        self.remove_member_q(ctx, org, user).await
    }
    async fn get_session(&self, h: &str) -> R<Option<(SessionRecord, UserRecord)>> {
        self.get_session_q(h).await
    }
    async fn touch_session(&self, h: &str, at: Timestamp) -> R<()> {
        self.touch_session_q(h, at).await
    }
    async fn delete_session(&self, ctx: &AuditCtx, h: &str) -> R<()> {
        self.delete_session_q(ctx, h).await
    }
    async fn create_api_key(&self, ctx: &AuditCtx, k: ApiKeyRecord) -> R<()> {
        self.create_api_key_q(ctx, k).await
    }
    async fn get_api_key(&self, id: ApiKeyId) -> R<Option<(ApiKeyRecord, UserRecord)>> {
        self.get_api_key_q(id).await
    }
    async fn list_api_keys(&self, user: Option<UserId>) -> R<Vec<ApiKeyRecord>> {
        self.list_api_keys_q(user).await
    }
    async fn revoke_api_key(&self, ctx: &AuditCtx, id: ApiKeyId) -> R<ApiKeyRecord> {
        self.revoke_api_key_q(ctx, id).await
    }
    async fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> R<()> {
        self.touch_api_key_q(id, at).await
    }
    async fn throttle_hit(&self, keys: &[String], now: Timestamp, w: i64) -> R<Vec<i64>> {
        self.throttle_hit_q(keys, now, w).await
    }
    async fn append_audit(&self, ctx: &AuditCtx, d: AuditDraft) -> R<()> {
        self.append_audit_tx(ctx, d).await
    }
    async fn list_audit(&self, f: &AuditFilter, p: &PageRequest, r: &Reach) -> R<Page<AuditRow>> {
        self.list_audit_q(f, p, r).await
    }
    async fn verify_audit(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> R<Result<u64, ChainBreak>> {
        self.verify_audit_q(progress).await
    }
    fn configure_outbox(&self, settings: OutboxSettings) {
        if let Ok(mut s) = self.outbox.write() {
            *s = settings;
        }
    }
    async fn enqueue_email(&self, ctx: &AuditCtx, m: OutboxInsert) -> R<()> {
        self.enqueue_email_q(ctx, m).await
    }
    async fn get_email(&self, id: EmailId) -> R<Option<OutboxMessage>> {
        self.get_email_q(id).await
    }
    async fn list_emails(
        &self,
        filter: &OutboxFilter,
        page: &PageRequest,
    ) -> R<Page<OutboxMessage>> {
        self.list_emails_q(filter, page).await
    }
    async fn claim_email(&self, now: Timestamp, lease: Timestamp) -> R<Option<OutboxMessage>> {
        self.claim_email_q(now, lease).await
    }
    async fn finish_email(
        &self,
        ctx: &AuditCtx,
        id: EmailId,
        lease: Timestamp,
        outcome: DeliveryOutcome,
    ) -> R<bool> {
        self.finish_email_q(ctx, id, lease, outcome).await
    }
    async fn store_email_bodies(&self, m: &OutboxMessage, lease: Timestamp) -> R<bool> {
        self.store_email_bodies_q(m, lease).await
    }
    async fn resend_email(&self, ctx: &AuditCtx, id: EmailId) -> R<OutboxMessage> {
        self.resend_email_q(ctx, id).await
    }
    async fn access_version(&self) -> R<i64> {
        self.access_version_q().await
    }
    async fn write_policy(
        &self,
        ctx: &AuditCtx,
        w: portico_services::security::PolicyWrite,
    ) -> R<()> {
        self.write_policy_q(ctx, w).await
    }
    async fn load_access(&self) -> R<AccessData> {
        self.load_access_q().await
    }
    async fn init_installation(
        &self,
        ctx: &AuditCtx,
        new: NewUser,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> R<UserRecord> {
        self.init_installation_q(ctx, new, roles, admin_role).await
    }
    async fn bootstrap_access(
        &self,
        ctx: &AuditCtx,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> R<bool> {
        self.bootstrap_access_q(ctx, roles, admin_role).await
    }
    async fn import_roles(&self, ctx: &AuditCtx, roles: Vec<RoleRecord>) -> R<usize> {
        self.import_roles_q(ctx, roles).await
    }
    async fn create_role(&self, ctx: &AuditCtx, role: RoleRecord) -> R<RoleRecord> {
        self.create_role_q(ctx, role).await
    }
    async fn update_role(
        &self,
        ctx: &AuditCtx,
        id: RoleId,
        v: Option<i64>,
        p: RolePatch,
    ) -> R<RoleRecord> {
        self.update_role_q(ctx, id, v, p).await
    }
    async fn delete_role(&self, ctx: &AuditCtx, id: RoleId) -> R<RoleRecord> {
        self.delete_role_q(ctx, id).await
    }
    async fn add_assignment(&self, ctx: &AuditCtx, a: AssignmentRecord) -> R<AssignmentRecord> {
        self.add_assignment_q(ctx, a).await
    }
    async fn remove_assignment(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        id: AssignmentId,
    ) -> R<AssignmentRecord> {
        self.remove_assignment_q(ctx, user, id).await
    }
    async fn add_override(&self, ctx: &AuditCtx, o: OverrideRecord) -> R<OverrideRecord> {
        self.add_override_q(ctx, o).await
    }
    async fn remove_override(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        id: OverrideId,
    ) -> R<OverrideRecord> {
        self.remove_override_q(ctx, user, id).await
    }
    async fn set_filters(&self, ctx: &AuditCtx, user: UserId, f: Vec<DataFilter>) -> R<()> {
        self.set_filters_q(ctx, user, f).await
    }
    async fn add_relationship(&self, ctx: &AuditCtx, r: RelationshipRecord) -> R<()> {
        self.add_relationship_q(ctx, r).await
    }
    async fn remove_relationship(&self, ctx: &AuditCtx, r: RelationshipRecord) -> R<()> {
        self.remove_relationship_q(ctx, r).await
    }
    async fn list_relationships(&self, org: OrgId) -> R<Vec<RelationshipRecord>> {
        self.list_relationships_q(org).await
    }
    async fn relations_between(&self, from: UserId, to: UserId) -> R<Vec<RelationshipRecord>> {
        self.relations_between_q(from, to).await
    }
    async fn transfer_super_admin(&self, ctx: &AuditCtx, from: UserId, to: UserId) -> R<()> {
        self.transfer_super_admin_q(ctx, from, to).await
    }
    async fn copy_user(
        &self,
        ctx: &AuditCtx,
        source: UserId,
        new: NewUser,
        copy_filters: bool,
    ) -> R<UserRecord> {
        self.copy_user_q(ctx, source, new, copy_filters).await
    }
    async fn start_impersonation(
        &self,
        ctx: &AuditCtx,
        session: SessionRecord,
        reason: &str,
    ) -> R<()> {
        self.start_impersonation_q(ctx, session, reason).await
    }
    async fn end_impersonation(&self, ctx: &AuditCtx, token_hash: &str) -> R<()> {
        self.end_impersonation_q(ctx, token_hash).await
    }
    async fn credential_token(&self, h: &str) -> R<Option<TokenRecord>> {
        self.credential_token_q(h).await
    }
    async fn issue_token(
        &self,
        ctx: &AuditCtx,
        token: TokenInsert,
        email: Option<OutboxInsert>,
        audit: Option<AuditDraft>,
    ) -> R<()> {
        self.issue_token_q(ctx, token, email, audit).await
    }
    async fn redeem_token(
        &self,
        ctx: &AuditCtx,
        h: &str,
        purpose: portico_domain::credential::TokenPurpose,
        password_hash: Option<String>,
    ) -> R<UserRecord> {
        self.redeem_token_q(ctx, h, purpose, password_hash).await
    }
    async fn set_password(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        hash: String,
        end_sessions: bool,
        email: Option<OutboxInsert>,
    ) -> R<UserRecord> {
        self.set_password_q(ctx, id, hash, end_sessions, email)
            .await
    }
    async fn mfa(&self, id: UserId) -> R<Option<MfaRecord>> {
        self.mfa_q(id).await
    }
    async fn mfa_begin(&self, ctx: &AuditCtx, id: UserId, secret: String) -> R<()> {
        self.mfa_begin_q(ctx, id, secret).await
    }
    async fn mfa_confirm(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        step: i64,
        email: Option<OutboxInsert>,
    ) -> R<()> {
        self.mfa_confirm_q(ctx, id, step, email).await
    }
    async fn mfa_accept_step(&self, id: UserId, step: i64) -> R<bool> {
        self.mfa_accept_step_q(id, step).await
    }
    async fn mfa_remove(&self, ctx: &AuditCtx, id: UserId, email: Option<OutboxInsert>) -> R<bool> {
        self.mfa_remove_q(ctx, id, email).await
    }
    async fn counts(&self, now: Timestamp) -> R<Counts> {
        self.counts_q(now).await
    }
    async fn bulk_insert(&self, at: Timestamp, b: BulkBatch) -> R<()> {
        self.bulk_insert_q(at, b).await
    }
}
