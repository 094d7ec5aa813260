//! The demo's activity, so reports have something to show and to be measured on: projects
//! in organizations, enrollments of their members (mostly learners, a few instructors), an
//! organization administrator in (almost) every organization, an instructor assignment per project
//! that has enrollments, and login events over the last 30 days. Deterministic for a seed;
//! derived from the batches the generator already made, so it costs no extra reads.

use portico_domain::ProjectStatus;
use portico_domain::Timestamp;
use portico_domain::ids::{OrgId, ProjectId, RoleId, UserId};
use portico_domain::user::UserStatus;
use portico_services::records::{BulkBatch, NewOrg, NewProject, RoleRecord, ScopeRef};
use portico_services::reports::ActivityBatch;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};

const PROJECT_NAMES: &[&str] = &[
    "Onboarding",
    "Spring cohort",
    "Autumn cohort",
    "Leadership programme",
    "Safety training",
    "Product academy",
    "Sales bootcamp",
    "Compliance 2026",
    "Mentoring circle",
    "Language course",
];

/// The days of login history.
const LOGIN_DAYS: i64 = 30;

/// Totals to spread over the users' batches.
#[derive(Debug, Clone)]
pub struct ActivityPlan {
    pub projects: u32,
    pub enrollments: u64,
    pub logins: u64,
    pub users: u32,
    pub seed: u64,
    pub now: Timestamp,
}

/// The roles the demo uses, when the installation has them (a preset was bootstrapped).
#[derive(Debug, Clone, Default)]
pub struct DemoRoles {
    pub learner: Option<RoleId>,
    pub instructor: Option<RoleId>,
    pub org_admin: Option<RoleId>,
}

impl DemoRoles {
    /// The project role whose key ends with `learner` (else the first project role), one
    /// whose key ends with `instructor`, and an organization role whose key ends with
    /// `organization_administrator` (else `admin`).
    pub fn pick(roles: &[RoleRecord]) -> Self {
        use portico_domain::access::Level;
        let at = |level: Level| roles.iter().filter(move |r| r.level == level);
        let ends =
            |level: Level, suffix: &str| at(level).find(|r| r.key.ends_with(suffix)).map(|r| r.id);
        Self {
            learner: ends(Level::Project, "learner")
                .or_else(|| at(Level::Project).next().map(|r| r.id)),
            instructor: ends(Level::Project, "instructor"),
            org_admin: ends(Level::Organization, "organization_administrator")
                .or_else(|| ends(Level::Organization, "admin")),
        }
    }
}

pub struct Activity {
    plan: ActivityPlan,
    roles: DemoRoles,
    rng: StdRng,
    projects_of: HashMap<OrgId, Vec<ProjectId>>,
    with_instructor: HashSet<ProjectId>,
    with_admin: HashSet<OrgId>,
    users_done: u64,
    enrollments_done: u64,
    logins_done: u64,
    pub totals: ActivityTotals,
}

#[derive(Debug, Default, Clone)]
pub struct ActivityTotals {
    pub projects: u64,
    pub enrollments: u64,
    pub logins: u64,
    pub assignments: u64,
}

impl Activity {
    pub fn new(plan: ActivityPlan, roles: DemoRoles) -> Self {
        let rng = StdRng::seed_from_u64(plan.seed ^ 0x5eed_ac71);
        Self {
            plan,
            roles,
            rng,
            projects_of: HashMap::new(),
            with_instructor: HashSet::new(),
            with_admin: HashSet::new(),
            users_done: 0,
            enrollments_done: 0,
            logins_done: 0,
            totals: ActivityTotals::default(),
        }
    }

    /// The projects, spread over the organizations (once, after the organizations).
    pub fn projects(&mut self, orgs: &[NewOrg]) -> ActivityBatch {
        let mut batch = ActivityBatch::default();
        if orgs.is_empty() {
            return batch;
        }
        for _ in 0..self.plan.projects {
            let org = &orgs[self.rng.random_range(0..orgs.len())];
            let list = self.projects_of.entry(org.id).or_default();
            let base = PROJECT_NAMES[self.rng.random_range(0..PROJECT_NAMES.len())];
            let name = if list.is_empty() {
                base.to_string()
            } else {
                format!("{base} {}", list.len() + 1)
            };
            let id = ProjectId::generate();
            list.push(id);
            batch.projects.push(NewProject {
                id,
                org_id: org.id,
                name,
                status: if self.rng.random_bool(0.1) {
                    ProjectStatus::Archived
                } else {
                    ProjectStatus::Active
                },
                course_template_id: None,
                starts_at: None,
                location: String::new(),
            });
        }
        self.totals.projects += batch.projects.len() as u64;
        batch
    }

    /// This batch of users' share of enrollments, assignments and logins.
    pub fn for_users(&mut self, users: &BulkBatch) -> ActivityBatch {
        let mut batch = ActivityBatch::default();
        let active: HashSet<UserId> = users
            .users
            .iter()
            .filter(|(u, _)| u.status == UserStatus::Active)
            .map(|(u, _)| u.id)
            .collect();
        let ids: Vec<UserId> = users
            .users
            .iter()
            .map(|(u, _)| u.id)
            .filter(|u| active.contains(u))
            .collect();
        self.users_done += users.users.len() as u64;
        if ids.is_empty() {
            return batch;
        }
        let total = self.plan.users.max(1) as u64;
        // Members of organizations that have projects, per organization.
        let mut members: HashMap<OrgId, Vec<UserId>> = HashMap::new();
        for (org, user, _) in &users.memberships {
            if active.contains(user) {
                members.entry(*org).or_default().push(*user);
            }
        }
        if let Some(role) = self.roles.org_admin {
            for (org, list) in &members {
                if !self.with_admin.contains(org) && self.rng.random_bool(0.5) {
                    self.with_admin.insert(*org);
                    batch
                        .assignments
                        .push((list[0], role, ScopeRef::Org(*org), *org));
                }
            }
        }
        let mut targets: Vec<(OrgId, &Vec<ProjectId>)> = members
            .keys()
            .filter_map(|o| self.projects_of.get(o).map(|p| (*o, p)))
            .collect();
        targets.sort_by_key(|(o, _)| *o);
        if let (Some(learner), false) = (self.roles.learner, targets.is_empty()) {
            let due = (self.plan.enrollments * self.users_done / total)
                .saturating_sub(self.enrollments_done);
            let mut seen = HashSet::new();
            let mut tries = 0;
            while (batch.enrollments.len() as u64) < due && tries < due * 4 + 16 {
                tries += 1;
                let (org, projects) = targets[self.rng.random_range(0..targets.len())];
                let project = projects[self.rng.random_range(0..projects.len())];
                let list = &members[&org];
                let user = list[self.rng.random_range(0..list.len())];
                if !seen.insert((project, user)) {
                    continue;
                }
                let role = match self.roles.instructor {
                    Some(i) if !self.with_instructor.contains(&project) => {
                        self.with_instructor.insert(project);
                        batch
                            .assignments
                            .push((user, i, ScopeRef::Project(project), org));
                        i
                    }
                    _ => learner,
                };
                batch.enrollments.push((project, org, user, role));
            }
            self.enrollments_done += due;
        }
        let due = (self.plan.logins * self.users_done / total).saturating_sub(self.logins_done);
        // Within the last LOGIN_DAYS calendar days (UTC), today included.
        let first = portico_domain::day::Day::of(self.plan.now).plus(1 - LOGIN_DAYS);
        let span = (self.plan.now.millis() - first.start().millis()).max(1);
        for _ in 0..due {
            let user = ids[self.rng.random_range(0..ids.len())];
            // More logins lately: the square of a uniform number leans towards now.
            let back = (self.rng.random::<f64>().powi(2) * span as f64) as i64;
            batch
                .logins
                .push((user, Timestamp(self.plan.now.millis() - back)));
        }
        self.logins_done += due;
        self.totals.enrollments += batch.enrollments.len() as u64;
        self.totals.logins += batch.logins.len() as u64;
        self.totals.assignments += batch.assignments.len() as u64;
        batch
    }
}
