//! Table and column names for sea-query.

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum Organizations {
    Table,
    Id,
    Name,
    NameKey,
    Slug,
    ParentId,
    Status,
    Tags,
    Attributes,
    CreatedAt,
    UpdatedAt,
    Version,
    AppSeatLimit,
    OfficeSeatLimit,
}

#[derive(Iden, Clone, Copy)]
pub enum Projects {
    Table,
    Id,
    OrganizationId,
    Name,
    NameKey,
    Status,
    CreatedAt,
    UpdatedAt,
    Version,
    CourseTemplateId,
    StartsAt,
    Location,
}

pub const PROJECT_COLUMNS: [Projects; 10] = [
    Projects::Id,
    Projects::OrganizationId,
    Projects::Name,
    Projects::Status,
    Projects::CreatedAt,
    Projects::UpdatedAt,
    Projects::Version,
    Projects::CourseTemplateId,
    Projects::StartsAt,
    Projects::Location,
];

#[derive(Iden, Clone, Copy)]
pub enum Applications {
    Table,
    Id,
    Name,
    NameKey,
    Slug,
    Description,
    Status,
    AutoAssigned,
    IsDefault,
    CreatedAt,
    UpdatedAt,
    Version,
}

pub const APP_COLUMNS: [Applications; 10] = [
    Applications::Id,
    Applications::Name,
    Applications::Slug,
    Applications::Description,
    Applications::Status,
    Applications::AutoAssigned,
    Applications::IsDefault,
    Applications::CreatedAt,
    Applications::UpdatedAt,
    Applications::Version,
];

#[derive(Iden, Clone, Copy)]
pub enum OrganizationApplications {
    Table,
    OrgId,
    AppId,
    AssignedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum MembershipApplications {
    Table,
    OrgId,
    UserId,
    AppId,
    GrantedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ApplicationPermissions {
    Table,
    Key,
    AppId,
    Description,
    Levels,
    CreatedAt,
    Seq,
}

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    Seq,
    Id,
    Username,
    UsernameKey,
    Email,
    EmailKey,
    FirstName,
    LastName,
    Description,
    Status,
    PasswordHash,
    IsSuperAdmin,
    IsPlatformAdmin,
    HomeOrgId,
    IpAllowlist,
    SearchDocument,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
    Version,
    Language,
}

#[derive(Iden, Clone, Copy)]
pub enum Memberships {
    Table,
    OrgId,
    UserId,
    UserSeq,
    Kind,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
    ImpersonatorId,
    ImpersonationReason,
    IdleSecs,
}

#[derive(Iden, Clone, Copy)]
pub enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    Permissions,
    OrgId,
    IpAllowlist,
}

#[derive(Iden, Clone, Copy)]
pub enum LoginThrottle {
    Table,
    Key,
    WindowStart,
    Attempts,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditEvents {
    Table,
    Seq,
    Id,
    At,
    ActorUserId,
    ImpersonatorUserId,
    Ip,
    UserAgent,
    Action,
    TargetKind,
    TargetId,
    OrgId,
    SubjectUserId,
    Changes,
    Pii,
    PiiSalt,
    PiiDigest,
    PrevHash,
    Hash,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[derive(Iden, Clone, Copy)]
pub enum Roles {
    Table,
    Id,
    Key,
    Name,
    NameKey,
    Level,
    Description,
    Permissions,
    Reach,
    Preset,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum RoleAssignments {
    Table,
    Id,
    UserId,
    RoleId,
    Scope,
    OrgId,
    ExpiresAt,
    CreatedAt,
    CreatedBy,
}

#[derive(Iden, Clone, Copy)]
pub enum PermissionOverrides {
    Table,
    Id,
    UserId,
    Effect,
    Permission,
    Scope,
    OrgId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DataFilters {
    Table,
    UserId,
    Position,
    Filter,
}

#[derive(Iden, Clone, Copy)]
pub enum Relationships {
    Table,
    OrgId,
    Relation,
    FromUserId,
    ToUserId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AccessState {
    Table,
    Id,
    Version,
}

pub const ROLE_COLUMNS: [Roles; 12] = [
    Roles::Id,
    Roles::Key,
    Roles::Name,
    Roles::NameKey,
    Roles::Level,
    Roles::Description,
    Roles::Permissions,
    Roles::Reach,
    Roles::Preset,
    Roles::CreatedAt,
    Roles::UpdatedAt,
    Roles::Version,
];

pub const ASSIGNMENT_COLUMNS: [RoleAssignments; 8] = [
    RoleAssignments::Id,
    RoleAssignments::UserId,
    RoleAssignments::RoleId,
    RoleAssignments::Scope,
    RoleAssignments::OrgId,
    RoleAssignments::ExpiresAt,
    RoleAssignments::CreatedAt,
    RoleAssignments::CreatedBy,
];

pub const OVERRIDE_COLUMNS: [PermissionOverrides; 7] = [
    PermissionOverrides::Id,
    PermissionOverrides::UserId,
    PermissionOverrides::Effect,
    PermissionOverrides::Permission,
    PermissionOverrides::Scope,
    PermissionOverrides::OrgId,
    PermissionOverrides::CreatedAt,
];

pub const RELATIONSHIP_COLUMNS: [Relationships; 5] = [
    Relationships::OrgId,
    Relationships::Relation,
    Relationships::FromUserId,
    Relationships::ToUserId,
    Relationships::CreatedAt,
];

/// The user columns every user query selects, in the order [`crate::rows::user`] reads them.
pub const USER_COLUMNS: [Users; 18] = [
    Users::Seq,
    Users::Id,
    Users::Username,
    Users::Email,
    Users::FirstName,
    Users::LastName,
    Users::Description,
    Users::Status,
    Users::IsSuperAdmin,
    Users::IsPlatformAdmin,
    Users::HomeOrgId,
    Users::IpAllowlist,
    Users::CreatedAt,
    Users::LastLoginAt,
    Users::Version,
    Users::UpdatedAt,
    Users::SearchDocument,
    Users::Language,
];

pub const ORG_COLUMNS: [Organizations; 11] = [
    Organizations::Id,
    Organizations::Name,
    Organizations::NameKey,
    Organizations::Slug,
    Organizations::ParentId,
    Organizations::Status,
    Organizations::Tags,
    Organizations::Attributes,
    Organizations::CreatedAt,
    Organizations::UpdatedAt,
    Organizations::Version,
];

/// The same user columns as a comma-separated list with a table alias, for joins.
pub fn user_columns_sql(alias: &str) -> String {
    USER_COLUMNS
        .iter()
        .map(|c| format!("{alias}.{}", c.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Iden, Clone, Copy)]
pub enum CredentialTokens {
    Table,
    TokenHash,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum UserMfa {
    Table,
    UserId,
    Secret,
    CreatedAt,
    ConfirmedAt,
    LastStep,
}

/// S6 (0012): the platform's policy and the organizations' overrides.
#[derive(Iden, Clone, Copy)]
pub enum SecurityPolicies {
    Table,
    Id,
    OrgId,
    Policy,
    UpdatedAt,
    UpdatedBy,
    Version,
}
