//! The reports' JSON shapes and CSV files (R1–R5), shared by the API, the console and the
//! CLI (`portico report`). Every CSV cell goes through [`crate::csv_export::write_csv`], which
//! neutralises what a spreadsheet would run as a formula.

use crate::csv_export::write_csv;
use portico_services::reports::*;
use serde::Serialize;
use utoipa::ToSchema;

fn opt_time(t: Option<portico_domain::Timestamp>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

#[derive(Serialize, ToSchema)]
pub struct DayLoginsDto {
    #[schema(example = "2026-12-01")]
    pub day: String,
    pub logins: i64,
    /// Distinct people who logged in that day.
    pub users: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrgLoginsDto {
    pub organization_id: String,
    pub organization_name: String,
    /// Distinct members who logged in (a person counts in each organization they belong to).
    pub users: i64,
    pub logins: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UserLoginsDto {
    pub user_id: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub logins: i64,
    pub last_login_at: String,
}

/// R1: logins over a period.
#[derive(Serialize, ToSchema)]
pub struct LoginsReportDto {
    pub from: String,
    pub to: String,
    pub distinct_users: i64,
    pub logins: i64,
    /// Every day of the period.
    pub per_day: Vec<DayLoginsDto>,
    /// Organizations with logins, most users first.
    pub per_organization: Vec<OrgLoginsDto>,
    /// The drill-down (with `day` or `organization`): people, most logins first.
    pub users: Option<Vec<UserLoginsDto>>,
}

impl LoginsReportDto {
    pub fn new(s: LoginSummary, users: Option<Vec<UserLogins>>) -> Self {
        Self {
            from: s.period.from.to_string(),
            to: s.period.to.to_string(),
            distinct_users: s.distinct_users,
            logins: s.logins,
            per_day: s
                .per_day
                .into_iter()
                .map(|d| DayLoginsDto {
                    day: d.day.to_string(),
                    logins: d.logins,
                    users: d.users,
                })
                .collect(),
            per_organization: s
                .per_org
                .into_iter()
                .map(|o| OrgLoginsDto {
                    organization_id: o.org_id.to_string(),
                    organization_name: o.org_name,
                    users: o.users,
                    logins: o.logins,
                })
                .collect(),
            users: users.map(|u| u.into_iter().map(UserLoginsDto::from).collect()),
        }
    }
}

impl From<UserLogins> for UserLoginsDto {
    fn from(u: UserLogins) -> Self {
        Self {
            user_id: u.user_id.to_string(),
            username: u.username,
            first_name: u.first_name,
            last_name: u.last_name,
            logins: u.logins,
            last_login_at: u.last_login_at.to_rfc3339(),
        }
    }
}

/// R2 (and, with a project, R3): someone holding a role at an organization or project.
#[derive(Serialize, ToSchema)]
pub struct AdminRowDto {
    pub organization_id: String,
    pub organization_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    pub user_id: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role_id: String,
    pub role_name: String,
    pub last_login_at: Option<String>,
}

impl From<OrgAdminRow> for AdminRowDto {
    fn from(r: OrgAdminRow) -> Self {
        Self {
            organization_id: r.org_id.to_string(),
            organization_name: r.org_name,
            project_id: None,
            project_name: None,
            user_id: r.user_id.to_string(),
            username: r.username,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            role_id: r.role_id.to_string(),
            role_name: r.role_name,
            last_login_at: opt_time(r.last_login_at),
        }
    }
}

impl From<ProjectAdminRow> for AdminRowDto {
    fn from(r: ProjectAdminRow) -> Self {
        Self {
            project_id: Some(r.project_id.to_string()),
            project_name: Some(r.project_name),
            ..Self::from(r.admin)
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdminsReportDto {
    pub items: Vec<AdminRowDto>,
    /// R3 only: pass it back as `cursor` for the next page of organizations (null on the
    /// last page, and always for R2, which is one page).
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectActivityDto {
    pub project_id: String,
    pub name: String,
    pub status: String,
    pub enrollments: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrgActivityDto {
    pub organization_id: String,
    pub organization_name: String,
    pub members: i64,
    pub enrollments: i64,
    pub projects: Vec<ProjectActivityDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityTotalsDto {
    pub organizations: i64,
    pub members: i64,
    pub projects: i64,
    pub enrollments: i64,
}

/// R4: every organization, its projects, enrollments per project, totals.
#[derive(Serialize, ToSchema)]
pub struct SystemActivityDto {
    /// One page of organizations, by name.
    pub organizations: Vec<OrgActivityDto>,
    /// Over every organization within reach, not just this page.
    pub totals: ActivityTotalsDto,
    /// Pass it back as `cursor` for the next page (null on the last one).
    pub next_cursor: Option<String>,
}

impl From<SystemActivity> for SystemActivityDto {
    fn from(a: SystemActivity) -> Self {
        let next_cursor = a.next_cursor();
        Self {
            next_cursor,
            organizations: a
                .organizations
                .into_iter()
                .map(|o| OrgActivityDto {
                    organization_id: o.org_id.to_string(),
                    organization_name: o.org_name,
                    members: o.members,
                    enrollments: o.enrollments,
                    projects: o
                        .projects
                        .into_iter()
                        .map(|p| ProjectActivityDto {
                            project_id: p.project_id.to_string(),
                            name: p.name,
                            status: p.status.as_str().into(),
                            enrollments: p.enrollments,
                        })
                        .collect(),
                })
                .collect(),
            totals: ActivityTotalsDto {
                organizations: a.totals.organizations,
                members: a.totals.members,
                projects: a.totals.projects,
                enrollments: a.totals.enrollments,
            },
        }
    }
}

/// Which table of R1 a CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginsView {
    Days,
    Organizations,
    Users,
}

impl LoginsView {
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s.map(str::trim).unwrap_or("") {
            "" | "days" => Some(Self::Days),
            "organizations" => Some(Self::Organizations),
            "users" => Some(Self::Users),
            _ => None,
        }
    }
}

pub fn logins_csv(
    s: &LoginSummary,
    users: &[UserLogins],
    view: LoginsView,
) -> csv::Result<Vec<u8>> {
    match view {
        LoginsView::Days => write_csv(
            &["day", "logins", "distinct_users"],
            s.per_day
                .iter()
                .map(|d| [d.day.to_string(), d.logins.to_string(), d.users.to_string()]),
        ),
        LoginsView::Organizations => write_csv(
            &[
                "organization_id",
                "organization",
                "distinct_users",
                "logins",
            ],
            s.per_org.iter().map(|o| {
                [
                    o.org_id.to_string(),
                    o.org_name.clone(),
                    o.users.to_string(),
                    o.logins.to_string(),
                ]
            }),
        ),
        LoginsView::Users => write_csv(
            &[
                "user_id",
                "username",
                "first_name",
                "last_name",
                "logins",
                "last_login_at",
            ],
            users.iter().map(|u| {
                [
                    u.user_id.to_string(),
                    u.username.clone(),
                    u.first_name.clone(),
                    u.last_name.clone(),
                    u.logins.to_string(),
                    u.last_login_at.to_rfc3339(),
                ]
            }),
        ),
    }
}

fn admin_cells(a: &OrgAdminRow) -> [String; 7] {
    [
        a.user_id.to_string(),
        a.username.clone(),
        a.first_name.clone(),
        a.last_name.clone(),
        a.email.clone(),
        a.role_name.clone(),
        opt_time(a.last_login_at).unwrap_or_default(),
    ]
}

const PERSON: [&str; 7] = [
    "user_id",
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "last_login_at",
];

pub fn org_admins_csv(rows: &[OrgAdminRow]) -> csv::Result<Vec<u8>> {
    let header: Vec<&str> = ["organization_id", "organization"]
        .into_iter()
        .chain(PERSON)
        .collect();
    write_csv(
        &header,
        rows.iter().map(|r| {
            [r.org_id.to_string(), r.org_name.clone()]
                .into_iter()
                .chain(admin_cells(r))
                .collect::<Vec<_>>()
        }),
    )
}

pub fn project_admins_csv(rows: &[ProjectAdminRow]) -> csv::Result<Vec<u8>> {
    let header: Vec<&str> = ["organization_id", "organization", "project_id", "project"]
        .into_iter()
        .chain(PERSON)
        .collect();
    write_csv(
        &header,
        rows.iter().map(|r| {
            [
                r.admin.org_id.to_string(),
                r.admin.org_name.clone(),
                r.project_id.to_string(),
                r.project_name.clone(),
            ]
            .into_iter()
            .chain(admin_cells(&r.admin))
            .collect::<Vec<_>>()
        }),
    )
}

/// One row per project (an organization without projects: one row without a project), then
/// a `(total)` row.
pub fn activity_csv(a: &SystemActivity) -> csv::Result<Vec<u8>> {
    let mut rows: Vec<[String; 7]> = Vec::new();
    for o in &a.organizations {
        let org = [
            o.org_id.to_string(),
            o.org_name.clone(),
            o.members.to_string(),
        ];
        if o.projects.is_empty() {
            rows.push([
                org[0].clone(),
                org[1].clone(),
                org[2].clone(),
                String::new(),
                String::new(),
                String::new(),
                "0".into(),
            ]);
        }
        for p in &o.projects {
            rows.push([
                org[0].clone(),
                org[1].clone(),
                org[2].clone(),
                p.project_id.to_string(),
                p.name.clone(),
                p.status.as_str().into(),
                p.enrollments.to_string(),
            ]);
        }
    }
    let t = &a.totals;
    rows.push([
        String::new(),
        format!("(total: {} organizations)", t.organizations),
        t.members.to_string(),
        String::new(),
        format!("({} projects)", t.projects),
        String::new(),
        t.enrollments.to_string(),
    ]);
    write_csv(
        &[
            "organization_id",
            "organization",
            "members",
            "project_id",
            "project",
            "status",
            "enrollments",
        ],
        rows,
    )
}
