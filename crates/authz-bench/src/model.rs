//! The benchmark's platform: 10,000 organizations (depth 4), a configurable number of users
//! (1,000,000 by default), 50 roles at the three levels, project assignments, platform staff and
//! personal denials, generated from a fixed seed so every run and every engine sees the same
//! data.
//!
//! The model is plain data (`Model`); each engine under test is built from it (Portico's
//! `AccessEngine` here, casbin and Cedar in their modules), and every engine answers the same
//! `Query` list.

use portico_domain::access::{
    AccessEngine, Assignment, Catalog, Effect, Level, OrgKey, OrgTree, Override, PermIx,
    PermissionSet, ProjectKey, Reach, Role, RoleKey, Scope, UserKey,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const ORGS: u32 = 10_000;
pub const ROLES: usize = 50;
/// Projects per organization: project `p` belongs to organization `p % ORGS`.
pub const PROJECTS_PER_ORG: u32 = 5;
/// "Now" for every check; 1% of organization assignments expire around it.
pub const NOW: i64 = 1_000_000;

/// The generated platform, as plain data.
pub struct Model {
    pub catalog: Catalog,
    pub tree: OrgTree,
    pub roles: Vec<Role>,
    pub assignments: Vec<Assignment>,
    pub overrides: Vec<Override>,
    /// Each user's organization (where their organization role is assigned).
    pub home: Vec<OrgKey>,
    pub users: u32,
}

/// One permission check: may `user` do `perm` at `scope`?
#[derive(Debug, Clone, Copy)]
pub struct Query {
    pub user: UserKey,
    pub perm: PermIx,
    pub scope: Scope,
}

/// The organization a project belongs to.
pub fn project_org(p: ProjectKey) -> OrgKey {
    OrgKey(p.0 % ORGS)
}

/// 10 roots × 10 × 10 × 8, plus 890 more at depth 4: 10,000 organizations.
fn tree() -> OrgTree {
    let mut parents: Vec<Option<OrgKey>> = (0..10).map(|_| None).collect();
    let mut level: Vec<u32> = (0..10).collect();
    for fanout in [10, 10, 8] {
        let mut next = Vec::new();
        for &p in &level {
            for _ in 0..fanout {
                next.push(parents.len() as u32);
                parents.push(Some(OrgKey(p)));
            }
        }
        level = next;
    }
    while parents.len() < ORGS as usize {
        parents.push(Some(OrgKey(110 + parents.len() as u32 % 1000)));
    }
    OrgTree::new(parents).expect("a tree")
}

fn random_set(rng: &mut StdRng, catalog: &Catalog, level: Level, density: f64) -> PermissionSet {
    catalog
        .valid_at(level)
        .iter()
        .filter(|_| rng.random_bool(density))
        .collect()
}

impl Model {
    pub fn generate(users: u32) -> Model {
        let catalog = Catalog::portico();
        let mut rng = StdRng::seed_from_u64(3);
        let roles: Vec<Role> = (0..ROLES)
            .map(|i| {
                let level = match i {
                    0..10 => Level::Platform,
                    10..35 => Level::Organization,
                    _ => Level::Project,
                };
                Role {
                    key: format!("r{i}"),
                    name: format!("Role {i}"),
                    level,
                    description: String::new(),
                    permissions: random_set(&mut rng, &catalog, level, 0.4),
                    preset: false,
                    reach: Reach::Scope,
                }
            })
            .collect();
        let tree = tree();
        let mut assignments = Vec::with_capacity(users as usize * 12 / 10);
        let mut overrides = Vec::new();
        let mut home = Vec::with_capacity(users as usize);
        for u in 0..users {
            let user = UserKey(u);
            let org = OrgKey(rng.random_range(0..ORGS));
            home.push(org);
            let role = RoleKey(rng.random_range(10..35));
            let expires = rng.random_bool(0.01).then(|| rng.random_range(0..2 * NOW));
            assignments.push(Assignment {
                user,
                role,
                scope: Scope::Org(org),
                expires,
            });
            if rng.random_bool(0.2) {
                let p = ProjectKey(org.0 + ORGS * rng.random_range(0..PROJECTS_PER_ORG));
                assignments.push(Assignment {
                    user,
                    role: RoleKey(rng.random_range(35..50)),
                    scope: Scope::Project(p, org),
                    expires: None,
                });
            }
            if rng.random_bool(0.001) {
                assignments.push(Assignment {
                    user,
                    role: RoleKey(rng.random_range(0..10)),
                    scope: Scope::Platform,
                    expires: None,
                });
            }
            if rng.random_bool(0.01) {
                let permissions = random_set(&mut rng, &catalog, Level::Organization, 0.1);
                overrides.push(Override {
                    user,
                    scope: Scope::Org(org),
                    effect: Effect::Deny,
                    permissions,
                });
            }
        }
        Model {
            catalog,
            tree,
            roles,
            assignments,
            overrides,
            home,
            users,
        }
    }

    /// Portico's engine over this model.
    pub fn portico(&self) -> AccessEngine {
        AccessEngine::build(
            self.tree.clone(),
            &self.roles,
            &self.assignments,
            &self.overrides,
        )
        .expect("a valid model")
    }

    /// Assignments in force at `NOW`: casbin and Cedar have no expiry of their own, so they are
    /// given only these (Portico's engine is given all and filters by time itself).
    pub fn live_assignments(&self) -> impl Iterator<Item = &Assignment> {
        self.assignments.iter().filter(|a| a.active(NOW))
    }

    pub fn permission_count(&self) -> u16 {
        self.catalog.len() as u16
    }

    /// `n` checks from a fixed seed. Users are drawn from the first `users`; the scope is the
    /// user's own organization, one of its ancestors or a project in it (80%), or any
    /// organization (20%: a request outside their reach); 10% are platform checks and 10%
    /// project checks.
    pub fn queries(&self, n: usize, users: u32, seed: u64) -> Vec<Query> {
        let mut rng = StdRng::seed_from_u64(seed);
        let perms = self.permission_count();
        (0..n)
            .map(|_| {
                let user = UserKey(rng.random_range(0..users.min(self.users)));
                let home = self.home[user.0 as usize];
                let org = if rng.random_bool(0.8) {
                    let chain: Vec<OrgKey> = self.tree.chain(home).collect();
                    chain[rng.random_range(0..chain.len())]
                } else {
                    OrgKey(rng.random_range(0..ORGS))
                };
                let scope = match rng.random_range(0..10) {
                    0 => Scope::Platform,
                    1 => {
                        let p = ProjectKey(org.0 + ORGS * rng.random_range(0..PROJECTS_PER_ORG));
                        Scope::Project(p, project_org(p))
                    }
                    _ => Scope::Org(org),
                };
                Query {
                    user,
                    perm: PermIx(rng.random_range(0..perms)),
                    scope,
                }
            })
            .collect()
    }

    /// The scope chain of a check, most general first: the platform, the organization's
    /// ancestors down to it, then the project. Every engine resolves a check over this chain.
    pub fn chain(&self, scope: Scope) -> Vec<Scope> {
        let mut out = vec![Scope::Platform];
        if let Scope::Org(o) | Scope::Project(_, o) = scope {
            let mut orgs: Vec<OrgKey> = self.tree.chain(o).collect();
            orgs.reverse();
            out.extend(orgs.into_iter().map(Scope::Org));
        }
        if let Scope::Project(..) = scope {
            out.push(scope);
        }
        out
    }
}

/// A name for a scope, shared by the casbin and Cedar encodings.
pub fn scope_name(scope: Scope) -> String {
    match scope {
        Scope::Platform => "platform".to_string(),
        Scope::Org(o) => format!("o{}", o.0),
        Scope::Project(p, _) => format!("p{}", p.0),
    }
}

/// p50, p99 and p99.9 of `ns`, in nanoseconds.
pub fn percentiles(mut ns: Vec<u64>) -> (u64, u64, u64) {
    if ns.is_empty() {
        return (0, 0, 0);
    }
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() - 1) as f64 * q) as usize];
    (at(0.50), at(0.99), at(0.999))
}
