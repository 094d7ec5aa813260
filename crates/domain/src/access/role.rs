//! Roles (P2): a level, a name, a description and a set of permissions valid at that level.
//! A role's reach (P8) is either its whole scope or only users related to the holder.

use super::AccessError;
use super::catalog::{Catalog, Level};
use super::set::PermissionSet;

/// A relationship inside one organization (P8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// A manager reaches their direct reports.
    Manager,
    /// A parent reaches their children.
    Parent,
    /// A mentor reaches their mentees.
    Mentor,
}

/// What a role's permissions reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Everything in the scope where the role is assigned (and below it).
    Scope,
    /// Only the users who stand in this relation to the holder, inside the scope.
    Related(Relation),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Stable machine key, unique per installation (`lms.partial_administrator`).
    pub key: String,
    pub name: String,
    pub level: Level,
    pub description: String,
    pub permissions: PermissionSet,
    /// Presets ship read-only; copy one to change it.
    pub preset: bool,
    pub reach: Reach,
}

impl Role {
    /// A custom role; every permission must apply at `level`.
    pub fn custom(
        catalog: &Catalog,
        key: &str,
        name: &str,
        level: Level,
        description: &str,
        permissions: PermissionSet,
    ) -> Result<Self, AccessError> {
        let role = Role {
            key: key.to_string(),
            name: name.to_string(),
            level,
            description: description.to_string(),
            permissions,
            preset: false,
            reach: Reach::Scope,
        };
        role.validate(catalog)?;
        Ok(role)
    }

    /// Checks that every permission is known and valid at the role's level.
    pub fn validate(&self, catalog: &Catalog) -> Result<(), AccessError> {
        let valid = catalog.valid_at(self.level);
        if let Some(bad) = self.permissions.difference(&valid).iter().next() {
            return Err(match catalog.entry(bad) {
                Some(e) => AccessError::NotValidAtLevel {
                    role: self.key.clone(),
                    permission: e.permission.to_string(),
                    level: self.level,
                },
                None => AccessError::UnknownPermission(format!("#{}", bad.0)),
            });
        }
        Ok(())
    }

    /// A copy to edit (P2: custom roles may start from any role, presets included).
    pub fn copy_as(&self, key: &str, name: &str) -> Role {
        Role {
            key: key.to_string(),
            name: name.to_string(),
            preset: false,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_roles_hold_only_permissions_valid_at_their_level() {
        let c = Catalog::portico();
        let ok = c.set(["projects.view", "enrollments.manage"]).unwrap();
        let r = Role::custom(&c, "tutor", "Tutor", Level::Project, "", ok).unwrap();
        assert!(!r.preset && r.reach == Reach::Scope);
        let bad = c.set(["projects.view", "licenses.manage"]).unwrap();
        assert_eq!(
            Role::custom(&c, "x", "X", Level::Project, "", bad),
            Err(AccessError::NotValidAtLevel {
                role: "x".into(),
                permission: "licenses.manage".into(),
                level: Level::Project
            })
        );
        let platform = Role::custom(&c, "p", "P", Level::Platform, "", c.all()).unwrap();
        let copy = Role {
            preset: true,
            ..platform
        }
        .copy_as("p2", "P2");
        assert!(!copy.preset && copy.key == "p2" && copy.permissions == c.all());
    }
}
