//! The demo platform's generator: deterministic for a seed, no IO. Organizations come first
//! (parents before children), then users in batches, each batch carrying its users' internal
//! memberships and a share of the extra external ones.

use super::names::{LANGS, Name, roman};
use super::tree::{self, IdSeq, Tree, skewed};
use portico_domain::ids::UserId;
use portico_domain::search::user_document;
use portico_domain::user::{MembershipKind, UserStatus};
use portico_domain::{Email, Username};
use portico_services::records::{BulkBatch, NewOrg, NewUser};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub organizations: u32,
    pub users: u32,
    pub enrollments: u32,
    pub seed: u64,
    pub batch: usize,
    /// Appended to generated usernames and slugs when the database already holds data.
    pub run_tag: String,
    /// Username and email keys already taken (the super admin's).
    pub reserved: HashSet<String>,
    /// Millisecond time part of generated ids.
    pub id_millis: u64,
}

/// Totals, for the summary.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub companies: u32,
    pub organizations: u32,
    pub users: u32,
    pub blocked: u32,
    pub internal: u64,
    pub external: u64,
    pub samples: Vec<String>,
}

pub struct Generator {
    plan: Plan,
    rng: StdRng,
    tree: Tree,
    ids: IdSeq,
    /// Org indices in a shuffled order, sampled with a skew so organization sizes vary.
    popularity: Vec<usize>,
    usernames: HashMap<u64, u32>,
    users_done: u32,
    externals_done: u64,
    pub totals: Totals,
}

impl Generator {
    pub fn new(plan: Plan) -> Self {
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let mut ids = IdSeq::new(&mut rng, plan.id_millis);
        let tree = tree::build(
            &mut rng,
            &mut ids,
            plan.organizations as usize,
            &plan.run_tag,
        );
        Self {
            plan,
            rng,
            tree,
            ids,
            popularity: Vec::new(),
            usernames: HashMap::new(),
            users_done: 0,
            externals_done: 0,
            totals: Totals::default(),
        }
    }

    /// Every organization, parents first (once).
    pub fn organizations(&mut self) -> Vec<NewOrg> {
        let mut order: Vec<usize> = (0..self.tree.nodes.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, self.rng.random_range(0..=i));
        }
        self.popularity = order;
        self.totals.companies = self.tree.companies as u32;
        self.totals.organizations = self.tree.orgs.len() as u32;
        std::mem::take(&mut self.tree.orgs)
    }

    fn home(&mut self) -> usize {
        let n = self.popularity.len();
        self.popularity[skewed(&mut self.rng, n, 2.0)]
    }

    fn username(&mut self, first: &str, last: &str) -> (Username, String) {
        let base: String = format!("{first}.{last}").chars().take(48).collect();
        let mut h = DefaultHasher::new();
        base.hash(&mut h);
        let counter = self.usernames.entry(h.finish()).or_insert(0);
        loop {
            *counter += 1;
            let candidate = match (*counter, self.plan.run_tag.as_str()) {
                (1, "") => base.clone(),
                (n, "") => format!("{base}{n}"),
                (n, tag) => format!("{base}.{tag}{n}"),
            };
            let Ok(u) = Username::parse(&candidate) else {
                continue;
            };
            let key = u.key();
            if !self.plan.reserved.contains(&key) {
                return (u, key);
            }
        }
    }

    fn user(&mut self, home: usize) -> NewUser {
        let lang = if self.rng.random_bool(0.75) {
            self.tree.nodes[home].lang
        } else {
            self.rng.random_range(0..LANGS.len())
        };
        let l = &LANGS[lang];
        let first: Name = *pick(&mut self.rng, &l.first);
        let last: Name = *pick(&mut self.rng, &l.last);
        let (username, username_key) = self.username(&roman(&first), &roman(&last));
        let domain = &self.tree.domains[self.tree.nodes[home].domain];
        let email = Email::parse(&format!("{}@{domain}", username.as_str()))
            .expect("generated emails are valid");
        let blocked = self.rng.random_bool(0.01);
        self.totals.blocked += blocked as u32;
        let (millis, n) = self.ids.next();
        NewUser {
            id: UserId::from_parts(millis, n),
            search_document: user_document(username.as_str(), first.0, last.0, email.as_str()),
            username: username.as_str().to_string(),
            username_key,
            email_key: email.key().to_string(),
            email: email.as_str().to_string(),
            first_name: first.0.to_string(),
            last_name: last.0.to_string(),
            description: String::new(),
            status: if blocked {
                UserStatus::Blocked
            } else {
                UserStatus::Active
            },
            password_hash: None,
            is_super_admin: false,
            is_platform_admin: false,
            ip_allowlist: None,
            language: None,
        }
    }

    /// The next batch of users with their memberships; `None` when every user is made.
    pub fn next_users(&mut self) -> Option<BulkBatch> {
        let remaining = self.plan.users - self.users_done;
        if remaining == 0 || self.popularity.is_empty() {
            return None;
        }
        let n = remaining.min(self.plan.batch.max(1) as u32);
        let mut batch = BulkBatch::default();
        let mut homes = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let home = self.home();
            let user = self.user(home);
            if self.totals.samples.len() < 3 && user.status == UserStatus::Active {
                self.totals.samples.push(user.username.clone());
            }
            batch
                .memberships
                .push((self.tree.nodes[home].id, user.id, MembershipKind::Internal));
            homes.push(home);
            batch.users.push((user, Some(self.tree.nodes[home].id)));
        }
        self.users_done += n;
        self.totals.users += n;
        self.totals.internal += n as u64;
        // This batch's share of the external memberships.
        let due = (self.plan.enrollments as u64 * self.users_done as u64 / self.plan.users as u64)
            .saturating_sub(self.externals_done);
        let mut seen = HashSet::new();
        let mut made = 0u64;
        let mut tries = 0u64;
        while made < due && tries < due * 4 + 16 && self.popularity.len() > 1 {
            tries += 1;
            let u = self.rng.random_range(0..homes.len());
            let org = self.home();
            if org == homes[u] || !seen.insert((u, org)) {
                continue;
            }
            batch.memberships.push((
                self.tree.nodes[org].id,
                batch.users[u].0.id,
                MembershipKind::External,
            ));
            made += 1;
        }
        self.externals_done += due;
        self.totals.external += made;
        Some(batch)
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}
