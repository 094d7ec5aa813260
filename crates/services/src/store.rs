//! The storage trait. One implementation (`portico-store`) serves SQLite and PostgreSQL.
//! Each method is one transaction: the checks it makes, the rows it writes and the audit
//! entries it appends commit together or not at all.

use crate::error::StoreError;
use crate::records::*;
use async_trait::async_trait;
use portico_domain::Timestamp;
use portico_domain::access::DataFilter;
use portico_domain::audit::ChainBreak;
use portico_domain::ids::{
    ApiKeyId, AppId, AssignmentId, EmailId, OrgId, OverrideId, ProjectId, RoleId, UserId,
};
use portico_domain::page::{Page, PageRequest};
use portico_domain::user::UserStatus;

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store:
    Send
    + Sync
    + crate::enrollments::EnrollmentStore
    + crate::reports::ReportStore
    + crate::templates::store::TemplateStore
    + crate::catalog::CatalogStore
    + crate::import::ImportStore
{
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;

    // --- users ---------------------------------------------------------------------------
    async fn super_admin(&self) -> StoreResult<Option<UserRecord>>;
    async fn create_user(&self, ctx: &AuditCtx, new: NewUser) -> StoreResult<UserRecord>;
    async fn get_user(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    /// By username or email comparison key; with the password hash.
    async fn find_login(&self, key: &str) -> StoreResult<Option<(UserRecord, Option<String>)>>;
    /// Users within `reach` (P5), by search terms or all, in keyset pages.
    async fn search_users(
        &self,
        terms: Option<&[String]>,
        page: &PageRequest,
        reach: &UserReach,
    ) -> StoreResult<Page<UserRecord>>;
    async fn user_memberships(&self, id: UserId) -> StoreResult<Vec<MembershipRecord>>;
    /// Blocking also ends every session and revokes every API key of the user (U6).
    async fn set_user_status(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        status: UserStatus,
    ) -> StoreResult<UserRecord>;
    /// U5: erases the user and every trace of personal data, keeping the audit chain valid.
    async fn delete_user(&self, ctx: &AuditCtx, id: UserId) -> StoreResult<()>;
    async fn update_user(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        expected_version: Option<i64>,
        patch: crate::users::UserPatch,
    ) -> StoreResult<UserRecord>;
    /// Stores the new session and, in the same transaction, clears the account's throttle and
    /// takes back the address's counted attempt (a success does not count against it).
    async fn record_login(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        session: SessionRecord,
        throttle: LoginThrottleKeys,
    ) -> StoreResult<()>;

    // --- organizations -------------------------------------------------------------------
    async fn create_org(&self, ctx: &AuditCtx, new: NewOrg) -> StoreResult<OrgRecord>;
    async fn get_org(&self, id: OrgId) -> StoreResult<Option<OrgRecord>>;
    async fn get_org_by_slug(&self, slug: &str) -> StoreResult<Option<OrgRecord>>;
    /// The organization's ancestors, nearest first (without itself).
    async fn org_ancestors(&self, id: OrgId) -> StoreResult<Vec<OrgBrief>>;
    /// Organizations within `reach` (P5).
    async fn list_orgs(
        &self,
        filter: &OrgFilter,
        page: &PageRequest,
        reach: &Reach,
    ) -> StoreResult<Page<OrgRecord>>;
    /// Refuses a cycle (O1) and a stale `expected_version`.
    async fn update_org(
        &self,
        ctx: &AuditCtx,
        id: OrgId,
        expected_version: Option<i64>,
        patch: OrgPatch,
    ) -> StoreResult<OrgRecord>;
    async fn org_overview(&self, id: OrgId) -> StoreResult<OrgOverview>;
    async fn org_delete_preview(&self, id: OrgId) -> StoreResult<OrgDeletePreview>;
    async fn delete_org(&self, ctx: &AuditCtx, id: OrgId) -> StoreResult<OrgDeletePreview>;

    // --- projects (PR1) -------------------------------------------------------------------
    /// NotFound when the organization does not exist.
    async fn create_project(&self, ctx: &AuditCtx, new: NewProject) -> StoreResult<ProjectRecord>;
    async fn get_project(&self, id: ProjectId) -> StoreResult<Option<ProjectRecord>>;
    /// The organization's projects, by name, in keyset pages.
    async fn list_projects(
        &self,
        org: OrgId,
        page: &PageRequest,
    ) -> StoreResult<Page<ProjectRecord>>;
    /// Refuses a stale `expected_version`.
    async fn update_project(
        &self,
        ctx: &AuditCtx,
        id: ProjectId,
        expected_version: Option<i64>,
        patch: ProjectPatch,
    ) -> StoreResult<ProjectRecord>;
    /// Deletes the project with the role assignments and overrides at its scope.
    async fn delete_project(&self, ctx: &AuditCtx, id: ProjectId) -> StoreResult<ProjectDeleted>;

    // --- applications (A1–A5) and licenses (L1–L3) ------------------------------------------
    /// Applications by name, in keyset pages.
    async fn list_apps(&self, page: &PageRequest) -> StoreResult<Page<AppRecord>>;
    async fn get_app(&self, id: AppId) -> StoreResult<Option<AppRecord>>;
    /// The default application reaches new organizations (assigned in `create_org`). An
    /// auto-assigned one is assigned to every organization and given to members within their
    /// seat limits ([`AutoAssignReport`]).
    async fn create_app(&self, ctx: &AuditCtx, new: NewApp) -> StoreResult<AppSaved>;
    /// Refuses a stale `expected_version`. Turning `auto_assigned` on runs the
    /// auto-assignment; making it the default takes the flag from the previous default.
    async fn update_app(
        &self,
        ctx: &AuditCtx,
        id: AppId,
        expected_version: Option<i64>,
        patch: AppPatch,
    ) -> StoreResult<AppSaved>;
    /// How many memberships would lose the application.
    async fn app_delete_preview(&self, id: AppId) -> StoreResult<AppDeleted>;
    /// Deletes it with its assignments, members' access and registered permissions.
    async fn delete_app(&self, ctx: &AuditCtx, id: AppId) -> StoreResult<AppDeleted>;
    /// A2: the organization's applications, by name.
    async fn org_apps(&self, org: OrgId) -> StoreResult<Vec<OrgAppRow>>;
    /// A2: Conflict `app-already-assigned` when it is.
    async fn assign_app(&self, ctx: &AuditCtx, org: OrgId, app: AppId) -> StoreResult<OrgAppRow>;
    /// NotFound unless the application is assigned to the organization.
    async fn unassign_preview(&self, org: OrgId, app: AppId) -> StoreResult<UnassignPreview>;
    /// A3: revokes every member's access to it there and unassigns it.
    async fn unassign_app(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        app: AppId,
    ) -> StoreResult<UnassignPreview>;
    /// A3: replaces a membership's applications (each must be assigned to the organization:
    /// a Rule error naming it otherwise); a first application takes a seat (L1, L2).
    async fn set_member_apps(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        user: UserId,
        apps: Vec<AppId>,
    ) -> StoreResult<Vec<AppBrief>>;
    /// A4: the applications of these users' memberships (in `org` only, when given), in one
    /// query.
    async fn member_apps(
        &self,
        org: Option<OrgId>,
        users: &[UserId],
    ) -> StoreResult<Vec<MemberAppRow>>;
    /// A5: registers a permission; refused (Rule, field `key`) when `capacity` registered
    /// permissions exist already.
    async fn register_app_permission(
        &self,
        ctx: &AuditCtx,
        p: AppPermissionRecord,
        capacity: usize,
    ) -> StoreResult<AppPermissionRecord>;
    /// Registered permissions (of one application, or all), in registration order.
    async fn app_permissions(&self, app: Option<AppId>) -> StoreResult<Vec<AppPermissionRecord>>;
    /// L1: seats used (back-office seats: assignments live at `at`) and limits.
    async fn licenses(&self, org: OrgId, at: Timestamp) -> StoreResult<LicenseUsage>;
    /// L3: refuses (Limit `limit-below-usage`) a limit below current usage.
    async fn set_licenses(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        patch: LicensePatch,
    ) -> StoreResult<LicenseUsage>;

    // --- memberships ---------------------------------------------------------------------
    /// U3: an unknown email creates an internal user; a known one adds an external membership.
    async fn add_member(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        member: NewMember,
    ) -> StoreResult<(UserRecord, AddOutcome)>;
    async fn list_members(
        &self,
        org: OrgId,
        terms: Option<&[String]>,
        page: &PageRequest,
    ) -> StoreResult<Page<MemberRow>>;
    async fn removal_preview(&self, org: OrgId, user: UserId) -> StoreResult<RemovalPreview>;
    /// U4: external → the membership only; internal → the user from the whole system.
    async fn remove_member(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        user: UserId,
    ) -> StoreResult<RemovalPreview>;

    // --- sessions and keys ---------------------------------------------------------------
    async fn get_session(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> StoreResult<()>;
    async fn delete_session(&self, ctx: &AuditCtx, token_hash: &str) -> StoreResult<()>;
    async fn create_api_key(&self, ctx: &AuditCtx, key: ApiKeyRecord) -> StoreResult<()>;
    async fn get_api_key(&self, id: ApiKeyId) -> StoreResult<Option<(ApiKeyRecord, UserRecord)>>;
    async fn list_api_keys(&self, user: Option<UserId>) -> StoreResult<Vec<ApiKeyRecord>>;
    async fn revoke_api_key(&self, ctx: &AuditCtx, id: ApiKeyId) -> StoreResult<ApiKeyRecord>;
    async fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> StoreResult<()>;

    // --- login throttling ----------------------------------------------------------------
    /// Counts one attempt against each key and returns the attempts within the window for
    /// each, in the order given, atomically (one statement).
    async fn throttle_hit(
        &self,
        keys: &[String],
        now: Timestamp,
        window_secs: i64,
    ) -> StoreResult<Vec<i64>>;

    // --- audit -----------------------------------------------------------------------------
    async fn append_audit(&self, ctx: &AuditCtx, draft: AuditDraft) -> StoreResult<()>;
    /// Entries within `reach`: `Orgs` shows only entries of those organizations (AU2).
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
        reach: &Reach,
    ) -> StoreResult<Page<AuditRow>>;
    /// Walks the whole chain; `progress` is told how many entries were checked so far.
    async fn verify_audit(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> StoreResult<Result<u64, ChainBreak>>;

    // --- email outbox ------------------------------------------------------------------------
    /// The settings a message queued by the store itself is made with (a license warning,
    /// queued in the transaction that takes the seat). Called by [`crate::Services::new`].
    fn configure_outbox(&self, settings: OutboxSettings);
    /// Stores one message with its `email.queued` audit entry (recipient as personal data;
    /// never the subject, a body or a link).
    async fn enqueue_email(&self, ctx: &AuditCtx, message: OutboxInsert) -> StoreResult<()>;
    /// One message with its bodies.
    async fn get_email(&self, id: EmailId) -> StoreResult<Option<OutboxMessage>>;
    /// The outbox, newest first.
    async fn list_emails(
        &self,
        filter: &OutboxFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<OutboxMessage>>;
    /// Claims the oldest due message for delivery, in a write transaction: `queued` with
    /// `next_attempt_at <= now`, or `sending` with a lease that ran out (its worker died).
    /// The message becomes `sending` with `lease_until` and one more attempt. Two workers,
    /// in one process or several, never hold the same message.
    async fn claim_email(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<Option<OutboxMessage>>;
    /// Records an attempt's outcome if the lease `lease_until` is still the message's
    /// (`false` otherwise: the lease ran out and another worker took the message). `Sent`
    /// and `Failed` append `email.sent` / `email.failed`.
    async fn finish_email(
        &self,
        ctx: &AuditCtx,
        id: EmailId,
        lease_until: Timestamp,
        outcome: DeliveryOutcome,
    ) -> StoreResult<bool>;
    /// Stores a deferred message's rendered language, subject and bodies (from `message`)
    /// and drops its variables, if the lease `lease_until` is still the message's.
    async fn store_email_bodies(
        &self,
        message: &OutboxMessage,
        lease_until: Timestamp,
    ) -> StoreResult<bool>;
    /// Queues a held, failed or sent message again, due at once, with fresh attempts;
    /// Conflict `email-pending` while it is queued or being sent. Appends `email.resend`.
    async fn resend_email(&self, ctx: &AuditCtx, id: EmailId) -> StoreResult<OutboxMessage>;

    // --- access control (P1–P10) -------------------------------------------------------------
    /// The counter that every access-changing transaction increments (roles, assignments,
    /// overrides, filters, the organization tree, deleted users). One cheap read per request
    /// tells each server process whether its cached engine is current.
    async fn access_version(&self) -> StoreResult<i64>;
    /// Everything the engine is built from, read in one transaction, with the version read
    /// first (so the data is at least as new as the version).
    async fn load_access(&self) -> StoreResult<AccessData>;
    /// S6: saves or deletes a stored security policy with its audit entry, bumping the
    /// access version; `Stale` when `expected_version` is not the stored one.
    async fn write_policy(
        &self,
        ctx: &AuditCtx,
        w: crate::security::PolicyWrite,
    ) -> StoreResult<()>;
    /// `portico init`: creates the super admin and bootstraps the preset's roles (as
    /// `bootstrap_access`) in one transaction; Conflict `roles-exist` if roles exist already.
    async fn init_installation(
        &self,
        ctx: &AuditCtx,
        new: NewUser,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> StoreResult<UserRecord>;
    /// Fresh installs and upgrades: only when no role exists yet, inserts `roles` and assigns
    /// `admin_role` at the platform to the super admin and every user flagged platform admin
    /// (setting an empty IP allowlist to `*`). Returns whether it did anything.
    async fn bootstrap_access(
        &self,
        ctx: &AuditCtx,
        roles: Vec<RoleRecord>,
        admin_role: RoleId,
    ) -> StoreResult<bool>;
    /// Inserts the roles whose key is not taken yet; returns how many were added.
    async fn import_roles(&self, ctx: &AuditCtx, roles: Vec<RoleRecord>) -> StoreResult<usize>;
    async fn create_role(&self, ctx: &AuditCtx, role: RoleRecord) -> StoreResult<RoleRecord>;
    /// Refuses a stale `expected_version` (Stale) and a preset (Conflict `preset-read-only`).
    async fn update_role(
        &self,
        ctx: &AuditCtx,
        id: RoleId,
        expected_version: Option<i64>,
        patch: RolePatch,
    ) -> StoreResult<RoleRecord>;
    /// Refuses a preset and a role that is still assigned (Conflict `role-in-use`).
    async fn delete_role(&self, ctx: &AuditCtx, id: RoleId) -> StoreResult<RoleRecord>;
    /// A platform-scope assignment also sets the user's `is_platform_admin` flag.
    async fn add_assignment(
        &self,
        ctx: &AuditCtx,
        a: AssignmentRecord,
    ) -> StoreResult<AssignmentRecord>;
    /// NotFound unless the assignment belongs to `user`. Recomputes `is_platform_admin`.
    async fn remove_assignment(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        id: AssignmentId,
    ) -> StoreResult<AssignmentRecord>;
    async fn add_override(&self, ctx: &AuditCtx, o: OverrideRecord) -> StoreResult<OverrideRecord>;
    /// NotFound unless the override belongs to `user`.
    async fn remove_override(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        id: OverrideId,
    ) -> StoreResult<OverrideRecord>;
    /// Replaces the user's data filters.
    async fn set_filters(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        filters: Vec<DataFilter>,
    ) -> StoreResult<()>;
    async fn add_relationship(&self, ctx: &AuditCtx, r: RelationshipRecord) -> StoreResult<()>;
    /// NotFound when there is no such relationship.
    async fn remove_relationship(&self, ctx: &AuditCtx, r: RelationshipRecord) -> StoreResult<()>;
    async fn list_relationships(&self, org: OrgId) -> StoreResult<Vec<RelationshipRecord>>;
    /// Every relationship in which `from` is the manager, parent or mentor of `to`.
    async fn relations_between(
        &self,
        from: UserId,
        to: UserId,
    ) -> StoreResult<Vec<RelationshipRecord>>;
    /// P7: moves the super-admin flag from `from` to `to` in one transaction.
    async fn transfer_super_admin(
        &self,
        ctx: &AuditCtx,
        from: UserId,
        to: UserId,
    ) -> StoreResult<()>;
    /// U7: creates `new` with the source's memberships (same kinds: the source's home stays
    /// the copy's home), role assignments, overrides and, when asked, data filters.
    async fn copy_user(
        &self,
        ctx: &AuditCtx,
        source: UserId,
        new: NewUser,
        copy_filters: bool,
    ) -> StoreResult<UserRecord>;
    /// P9: stores an impersonation session (a session with `impersonator_id` set) and its
    /// audit entry.
    async fn start_impersonation(
        &self,
        ctx: &AuditCtx,
        session: SessionRecord,
        reason: &str,
    ) -> StoreResult<()>;
    /// Ends an impersonation session (deletes it) with its audit entry.
    async fn end_impersonation(&self, ctx: &AuditCtx, token_hash: &str) -> StoreResult<()>;

    // --- credentials (U8) -------------------------------------------------------------------
    async fn credential_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// Stores a token (the user's unused ones of the same purpose stop working) and, in the
    /// same transaction, the email carrying its link and the audit entry.
    async fn issue_token(
        &self,
        ctx: &AuditCtx,
        token: TokenInsert,
        email: Option<OutboxInsert>,
        audit: Option<AuditDraft>,
    ) -> StoreResult<()>;
    /// Uses a token once: `Conflict` `link-invalid`/`link-used`/`link-expired` otherwise.
    /// With a password hash, sets it (activating an invited user; a reset ends every session).
    async fn redeem_token(
        &self,
        ctx: &AuditCtx,
        token_hash: &str,
        purpose: portico_domain::credential::TokenPurpose,
        password_hash: Option<String>,
    ) -> StoreResult<UserRecord>;
    /// An administrator's reset: sets the hash, optionally ends sessions, queues the email.
    async fn set_password(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        password_hash: String,
        end_sessions: bool,
        email: Option<OutboxInsert>,
    ) -> StoreResult<UserRecord>;
    async fn mfa(&self, id: UserId) -> StoreResult<Option<MfaRecord>>;
    async fn mfa_begin(&self, ctx: &AuditCtx, id: UserId, secret: String) -> StoreResult<()>;
    async fn mfa_confirm(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        step: i64,
        email: Option<OutboxInsert>,
    ) -> StoreResult<()>;
    /// False when the step (or a later one) was already used: a replay.
    async fn mfa_accept_step(&self, id: UserId, step: i64) -> StoreResult<bool>;
    /// True when a second factor (confirmed or pending) was removed.
    async fn mfa_remove(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        email: Option<OutboxInsert>,
    ) -> StoreResult<bool>;

    // --- overview and bulk -----------------------------------------------------------------
    async fn counts(&self, now: Timestamp) -> StoreResult<Counts>;
    /// Writes a batch in one transaction (demo data, benchmarks). No per-row audit entries.
    async fn bulk_insert(&self, at: Timestamp, batch: BulkBatch) -> StoreResult<()>;
}
