//! The permission catalogue (P1): every permission Portico knows, with a description, a section
//! for grouping in a picker, and the levels where it applies. Applications add their own (A5)
//! through [`Catalog::register`], so the catalogue is a value, not a closed enum.

use super::AccessError;
use super::set::{MAX_PERMISSIONS, PermissionSet};
use std::collections::HashMap;
use std::fmt;

/// A permission key: 2–6 dot-separated words of `a-z`, `0-9`, `_`, each starting with a
/// letter, at most 64 bytes (`users.block`, `app.billing.invoices_export`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission(String);

impl Permission {
    pub fn parse(raw: &str) -> Result<Self, AccessError> {
        let bad = || AccessError::InvalidKey(raw.to_string());
        if raw.is_empty() || raw.len() > 64 {
            return Err(bad());
        }
        let words: Vec<&str> = raw.split('.').collect();
        if !(2..=6).contains(&words.len()) {
            return Err(bad());
        }
        for w in words {
            let mut bytes = w.bytes();
            match bytes.next() {
                Some(b) if b.is_ascii_lowercase() => {}
                _ => return Err(bad()),
            }
            if !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(bad());
            }
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first word: `users` for `users.block`.
    pub fn resource(&self) -> &str {
        self.0.split('.').next().unwrap_or("")
    }

    /// The last word: `block` for `users.block`.
    pub fn action(&self) -> &str {
        self.0.rsplit('.').next().unwrap_or("")
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The level of a role and of a scope (P2, P3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Platform,
    Organization,
    Project,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Platform, Level::Organization, Level::Project];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Platform => "platform",
            Level::Organization => "organization",
            Level::Project => "project",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl serde::Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of levels, as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LevelSet(u8);

impl LevelSet {
    pub const PLATFORM: LevelSet = LevelSet(1);
    pub const PLATFORM_ORG: LevelSet = LevelSet(0b011);
    pub const ALL: LevelSet = LevelSet(0b111);

    pub fn of(levels: &[Level]) -> Self {
        LevelSet(levels.iter().fold(0, |m, l| m | l.bit()))
    }
    pub fn contains(self, level: Level) -> bool {
        self.0 & level.bit() != 0
    }
    pub fn levels(self) -> impl Iterator<Item = Level> {
        Level::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

/// Index of a permission in its catalogue: the bit it occupies in a [`PermissionSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PermIx(pub u16);

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub permission: Permission,
    pub description: String,
    pub section: String,
    pub levels: LevelSet,
    /// `None` for Portico's own permissions, the application's slug for registered ones (A5).
    pub application: Option<String>,
}

const P: LevelSet = LevelSet::PLATFORM;
const PO: LevelSet = LevelSet::PLATFORM_ORG;
const ALL: LevelSet = LevelSet::ALL;

/// Portico's own permissions: key, section, levels, description.
pub const BUILTIN: &[(&str, &str, LevelSet, &str)] = &[
    (
        "organizations.view",
        "Organizations",
        PO,
        "See organizations and their overview",
    ),
    (
        "organizations.create",
        "Organizations",
        PO,
        "Create organizations and sub-organizations",
    ),
    (
        "organizations.edit",
        "Organizations",
        PO,
        "Edit name, slug, parent, status, tags and attributes",
    ),
    (
        "organizations.delete",
        "Organizations",
        PO,
        "Delete organizations (top-level ones: super admin only)",
    ),
    (
        "members.view",
        "Members",
        PO,
        "See who belongs to an organization",
    ),
    (
        "members.add",
        "Members",
        PO,
        "Add people to an organization",
    ),
    (
        "members.remove",
        "Members",
        PO,
        "Remove people from an organization",
    ),
    ("users.view", "Users", ALL, "See users and their details"),
    (
        "users.edit",
        "Users",
        PO,
        "Edit users' names, email, username and description",
    ),
    ("users.block", "Users", PO, "Block and unblock users"),
    ("users.delete", "Users", PO, "Delete users permanently"),
    ("users.impersonate", "Users", PO, "Log in as another user"),
    (
        "users.reset_credentials",
        "Users",
        PO,
        "Reset passwords and second factors",
    ),
    (
        "administrators.view",
        "Administrators",
        P,
        "See platform administrators (people with platform roles)",
    ),
    (
        "administrators.manage",
        "Administrators",
        P,
        "Change platform administrators",
    ),
    ("roles.view", "Roles", PO, "See roles and their permissions"),
    (
        "roles.manage",
        "Roles",
        P,
        "Create, copy and edit custom roles",
    ),
    (
        "role_assignments.manage",
        "Roles",
        ALL,
        "Assign and remove roles",
    ),
    (
        "permissions.grant",
        "Roles",
        PO,
        "Grant and deny personal permissions",
    ),
    (
        "api_keys.manage",
        "API keys",
        PO,
        "Create and revoke API keys",
    ),
    (
        "applications.view",
        "Applications",
        PO,
        "See applications and who has access",
    ),
    (
        "applications.manage",
        "Applications",
        PO,
        "Define, assign and grant applications",
    ),
    ("licenses.view", "Licenses", PO, "See seat limits and usage"),
    ("licenses.manage", "Licenses", P, "Change seat limits"),
    (
        "catalog.view",
        "Catalog",
        ALL,
        "See products, email templates and courses",
    ),
    (
        "catalog.manage",
        "Catalog",
        PO,
        "Edit, activate and deactivate catalog items",
    ),
    ("projects.view", "Projects", ALL, "See projects"),
    (
        "projects.manage",
        "Projects",
        ALL,
        "Create and edit projects",
    ),
    (
        "enrollments.manage",
        "Projects",
        ALL,
        "Enroll and unenroll members in projects",
    ),
    ("reports.view", "Reports", ALL, "See reports"),
    ("reports.export", "Reports", ALL, "Export reports as CSV"),
    (
        "settings.view",
        "Settings",
        PO,
        "See settings, support text and security policy",
    ),
    (
        "settings.manage",
        "Settings",
        PO,
        "Change settings, support text and security policy",
    ),
    ("audit.view", "Audit", PO, "See the audit log"),
    ("audit.export", "Audit", PO, "Export the audit log"),
];

/// The permission catalogue: Portico's permissions plus those registered by applications.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    index: HashMap<String, PermIx>,
}

impl Catalog {
    /// An empty catalogue (tests and applications-only models).
    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Portico's built-in catalogue.
    pub fn portico() -> Self {
        let mut c = Self::empty();
        for (key, section, levels, description) in BUILTIN {
            let entry = CatalogEntry {
                permission: Permission::parse(key).expect("built-in keys are valid"),
                description: (*description).to_string(),
                section: (*section).to_string(),
                levels: *levels,
                application: None,
            };
            c.register(entry).expect("built-in keys are unique");
        }
        c
    }

    /// Adds a permission (A5). Indexes of existing permissions never change.
    pub fn register(&mut self, entry: CatalogEntry) -> Result<PermIx, AccessError> {
        let key = entry.permission.as_str();
        if self.index.contains_key(key) {
            return Err(AccessError::DuplicatePermission(key.to_string()));
        }
        if self.entries.len() >= MAX_PERMISSIONS {
            return Err(AccessError::CatalogFull);
        }
        let ix = PermIx(self.entries.len() as u16);
        self.index.insert(key.to_string(), ix);
        self.entries.push(entry);
        Ok(ix)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    pub fn entry(&self, ix: PermIx) -> Option<&CatalogEntry> {
        self.entries.get(ix.0 as usize)
    }

    /// The index of a key; an unknown or malformed key is an error.
    pub fn index_of(&self, key: &str) -> Result<PermIx, AccessError> {
        self.index
            .get(key)
            .copied()
            .ok_or_else(|| AccessError::UnknownPermission(key.to_string()))
    }

    /// The set of the given keys; the first unknown key is an error.
    pub fn set<'a>(
        &self,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<PermissionSet, AccessError> {
        let mut s = PermissionSet::EMPTY;
        for k in keys {
            s.insert(self.index_of(k)?);
        }
        Ok(s)
    }

    /// Every permission in the catalogue.
    pub fn all(&self) -> PermissionSet {
        (0..self.entries.len()).map(|i| PermIx(i as u16)).collect()
    }

    /// Every permission that applies at `level`.
    pub fn valid_at(&self, level: Level) -> PermissionSet {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.levels.contains(level))
            .map(|(i, _)| PermIx(i as u16))
            .collect()
    }

    /// The keys of a set, in catalogue order.
    pub fn keys(&self, set: &PermissionSet) -> Vec<&str> {
        set.iter()
            .filter_map(|ix| self.entry(ix))
            .map(|e| e.permission.as_str())
            .collect()
    }

    /// Entries grouped by section, sections in first-appearance order (the picker's layout).
    pub fn sections(&self) -> Vec<(&str, Vec<&CatalogEntry>)> {
        let mut out: Vec<(&str, Vec<&CatalogEntry>)> = Vec::new();
        for e in &self.entries {
            match out.iter_mut().find(|(s, _)| *s == e.section) {
                Some((_, v)) => v.push(e),
                None => out.push((&e.section, vec![e])),
            }
        }
        out
    }

    /// Permissions matching a pattern: `*` (all), `*.view` (an action), `users.*` (a
    /// resource) or an exact key. An exact key that is unknown is an error.
    pub fn matching(&self, pattern: &str) -> Result<PermissionSet, AccessError> {
        let pick = |f: &dyn Fn(&Permission) -> bool| -> PermissionSet {
            self.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| f(&e.permission))
                .map(|(i, _)| PermIx(i as u16))
                .collect()
        };
        if pattern == "*" {
            Ok(self.all())
        } else if let Some(action) = pattern.strip_prefix("*.") {
            Ok(pick(&|p| p.action() == action))
        } else if let Some(resource) = pattern.strip_suffix(".*") {
            Ok(pick(&|p| p.resource() == resource))
        } else {
            Ok(PermissionSet::of(self.index_of(pattern)?))
        }
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
