//! Roles (P1, P2): the catalogue, roles of each level, custom roles made from scratch or copied
//! from any role, presets imported at `init` or later.

use super::guard::{check_gain, check_gain_to};
use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::{RolePatch, RoleRecord, ScopeRef, reach_key};
use portico_domain::ValidationError;
use portico_domain::access::{Catalog, Level, PermissionSet, Role, presets};
use portico_domain::ids::RoleId;
use std::collections::HashMap;

/// A role as listed: the record and how many users hold it. `list_roles` and `get_role`
/// count every assignment; [`Services::count_visible_holders`] narrows that to what the
/// caller may see.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoleView {
    #[serde(flatten)]
    pub role: RoleRecord,
    pub holders: usize,
}

/// A new custom role: from scratch, or a copy of `copy_from` (its level, reach and — unless
/// given — permissions).
#[derive(Debug, Clone, Default)]
pub struct RoleInput {
    pub name: String,
    pub level: Option<String>,
    pub description: String,
    pub permissions: Option<Vec<String>>,
    pub copy_from: Option<RoleId>,
}

#[derive(Debug, Clone, Default)]
pub struct RoleUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

fn parse_name(name: &str) -> Result<String, ValidationError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 80 {
        return Err(ValidationError::new(
            "name",
            "a role name has 1 to 80 characters",
        ));
    }
    Ok(n.to_string())
}

fn parse_description(d: &str) -> Result<String, ValidationError> {
    let d = d.trim();
    if d.chars().count() > 500 {
        return Err(ValidationError::new(
            "description",
            "at most 500 characters",
        ));
    }
    Ok(d.to_string())
}

/// Permission keys → a set valid at `level`; the first unknown or misplaced key is named.
pub fn parse_permissions(
    catalog: &Catalog,
    keys: &[String],
    level: Level,
) -> Result<PermissionSet, ValidationError> {
    let mut set = PermissionSet::EMPTY;
    for k in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        let ix = catalog.index_of(k).map_err(|_| {
            ValidationError::new("permissions", format!("unknown permission {k:?}"))
        })?;
        let entry = catalog.entry(ix).expect("indexed");
        if !entry.levels.contains(level) {
            return Err(ValidationError::new(
                "permissions",
                format!("{k} does not apply to {level}-level roles"),
            ));
        }
        set.insert(ix);
    }
    Ok(set)
}

pub(crate) fn role_record(
    catalog: &Catalog,
    r: &Role,
    now: portico_domain::Timestamp,
) -> RoleRecord {
    RoleRecord {
        id: RoleId::generate(),
        key: r.key.clone(),
        name: r.name.clone(),
        level: r.level,
        description: r.description.clone(),
        permissions: catalog
            .keys(&r.permissions)
            .into_iter()
            .map(str::to_string)
            .collect(),
        reach: reach_key(r.reach).to_string(),
        preset: r.preset,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

impl Services {
    /// P1: the permission catalogue, grouped as the console's picker shows it.
    pub fn permission_catalog(&self) -> &Catalog {
        self.access.catalog()
    }

    /// Roles the caller may see: every level with `roles.view` on the platform; organization
    /// and project roles with `roles.view` in some organization (to assign them there).
    pub fn visible_levels(&self, actor: &BackOffice) -> Vec<Level> {
        if actor.can("roles.view", ScopeRef::Platform) {
            vec![Level::Platform, Level::Organization, Level::Project]
        } else if actor.reach("roles.view") != crate::records::Reach::Orgs(Vec::new()) {
            vec![Level::Organization, Level::Project]
        } else {
            Vec::new()
        }
    }

    pub fn list_roles(
        &self,
        actor: &BackOffice,
        level: Option<Level>,
    ) -> Result<Vec<RoleView>, ServiceError> {
        let levels = self.visible_levels(actor);
        if levels.is_empty() {
            return Err(ServiceError::Forbidden(
                "you need the permission roles.view".into(),
            ));
        }
        let access = actor.access();
        Ok(access
            .roles()
            .iter()
            .filter(|r| levels.contains(&r.level) && level.is_none_or(|l| l == r.level))
            .map(|r| RoleView {
                role: r.clone(),
                holders: access.role_holders(r.id),
            })
            .collect())
    }

    pub fn get_role(&self, actor: &BackOffice, id: RoleId) -> Result<RoleView, ServiceError> {
        let access = actor.access();
        let role = access
            .role(id)
            .filter(|r| self.visible_levels(actor).contains(&r.level))
            .ok_or(ServiceError::NotFound("role"))?;
        Ok(RoleView {
            role: role.clone(),
            holders: access.role_holders(id),
        })
    }

    /// Replaces each view's `holders` with an honest count for this caller: people the caller
    /// may see (`visible_user`) holding the role now through an assignment the caller may see
    /// (at the platform or in an organization in reach). Expired assignments do not count.
    pub async fn count_visible_holders(
        &self,
        actor: &BackOffice,
        views: &mut [RoleView],
    ) -> Result<(), ServiceError> {
        let access = actor.access();
        let now = self.now();
        let mut counts: HashMap<RoleId, usize> = views.iter().map(|v| (v.role.id, 0)).collect();
        for user in access.users_with_access() {
            let mut held: Vec<RoleId> = access
                .assignments_of(user)
                .iter()
                .filter(|a| a.expires_at.is_none_or(|e| e > now))
                .filter(|a| actor.sees_scope(a.scope))
                .map(|a| a.role_id)
                .filter(|r| counts.contains_key(r))
                .collect();
            held.sort();
            held.dedup();
            if held.is_empty() {
                continue;
            }
            if !actor.is_super_admin() {
                match self.visible_user(actor, user).await {
                    Ok(_) => {}
                    Err(ServiceError::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                }
            }
            for r in held {
                *counts.entry(r).or_default() += 1;
            }
        }
        for v in views {
            v.holders = counts.get(&v.role.id).copied().unwrap_or(0);
        }
        Ok(())
    }

    /// P2 + P6: a custom role holds only permissions the caller holds on the platform.
    pub async fn create_role(
        &self,
        actor: &BackOffice,
        input: RoleInput,
    ) -> Result<RoleRecord, ServiceError> {
        actor.require("roles.manage", ScopeRef::Platform)?;
        let access = actor.access();
        let catalog = &access.catalog;
        let source = match input.copy_from {
            Some(id) => Some(self.get_role(actor, id)?.role),
            None => None,
        };
        let level = match (&source, input.level.as_deref()) {
            (Some(s), _) => s.level,
            (None, Some(l)) => Level::parse(l).ok_or_else(|| {
                ValidationError::new("level", "the level is platform, organization or project")
            })?,
            (None, None) => {
                return Err(ValidationError::new("level", "choose the role's level").into());
            }
        };
        let keys = match (&input.permissions, &source) {
            (Some(p), _) => p.clone(),
            (None, Some(s)) => s.permissions.clone(),
            (None, None) => Vec::new(),
        };
        let set = parse_permissions(catalog, &keys, level)?;
        check_gain(actor, ScopeRef::Platform, &set)?;
        let now = self.now();
        let id = RoleId::generate();
        let record = RoleRecord {
            id,
            key: format!("custom.{}", id.to_string().trim_start_matches("rol_")),
            name: parse_name(&input.name)?,
            level,
            description: parse_description(&input.description)?,
            permissions: catalog.keys(&set).into_iter().map(str::to_string).collect(),
            reach: source.map_or("scope".to_string(), |s| s.reach),
            preset: false,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        Ok(self
            .store
            .create_role(&actor.principal().audit_ctx(self), record)
            .await?)
    }

    /// P6: the caller must hold everything the role holds before and after the edit (editing
    /// a role one does not fully hold is refused: its holders could gain through it).
    pub async fn update_role(
        &self,
        actor: &BackOffice,
        id: RoleId,
        expected_version: Option<i64>,
        update: RoleUpdate,
    ) -> Result<RoleRecord, ServiceError> {
        actor.require("roles.manage", ScopeRef::Platform)?;
        let role = self.get_role(actor, id)?.role;
        if role.preset {
            return Err(ServiceError::conflict(
                "preset-read-only",
                "preset roles are read-only: copy the role to change it",
            ));
        }
        let access = actor.access();
        let old = access.role_set(id).unwrap_or_default();
        check_gain(actor, ScopeRef::Platform, &old)?;
        let permissions = match &update.permissions {
            Some(keys) => {
                let set = parse_permissions(&access.catalog, keys, role.level)?;
                check_gain(actor, ScopeRef::Platform, &set)?;
                // What the edit adds reaches every holder where they hold the role: at the
                // platform that is everywhere, so a data-filtered actor must not widen the
                // role for holders who reach further than they do (P5 + P6).
                let added = set.difference(&old);
                // Held at the platform (checked above), the gain falls short of the caller
                // only where a data filter or a personal denial of theirs narrows them: only
                // then is every holder's assignment worth a look.
                let me = actor.user().id;
                let narrowed = !actor.is_super_admin()
                    && (!access.filter_list(me).is_empty()
                        || access
                            .overrides_of(me)
                            .iter()
                            .any(|o| o.effect == crate::records::OverrideEffect::Deny));
                if narrowed && !added.is_empty() {
                    for holder in access.users_with_access() {
                        for a in access.assignments_of(holder) {
                            if a.role_id == id {
                                check_gain_to(actor, holder, a.scope, &added)?;
                            }
                        }
                    }
                }
                Some(
                    access
                        .catalog
                        .keys(&set)
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                )
            }
            None => None,
        };
        let patch = RolePatch {
            name: update.name.as_deref().map(parse_name).transpose()?,
            description: update
                .description
                .as_deref()
                .map(parse_description)
                .transpose()?,
            permissions,
        };
        Ok(self
            .store
            .update_role(
                &actor.principal().audit_ctx(self),
                id,
                expected_version,
                patch,
            )
            .await?)
    }

    pub async fn delete_role(&self, actor: &BackOffice, id: RoleId) -> Result<(), ServiceError> {
        actor.require("roles.manage", ScopeRef::Platform)?;
        let role = self.get_role(actor, id)?;
        if role.role.preset {
            return Err(ServiceError::conflict(
                "preset-read-only",
                "preset roles cannot be deleted",
            ));
        }
        check_gain(
            actor,
            ScopeRef::Platform,
            &actor.access().role_set(id).unwrap_or_default(),
        )?;
        self.store
            .delete_role(&actor.principal().audit_ctx(self), id)
            .await?;
        Ok(())
    }

    /// Imports a preset's roles later (those whose key is new). Each must be within what the
    /// caller holds (P6): in practice the super admin or a full administrator.
    pub async fn import_preset(
        &self,
        actor: &BackOffice,
        name: &str,
    ) -> Result<usize, ServiceError> {
        actor.require("roles.manage", ScopeRef::Platform)?;
        let (records, _) = self.preset_records(name)?;
        for r in &records {
            let set = parse_permissions(self.access.catalog(), &r.permissions, r.level)?;
            check_gain(actor, ScopeRef::Platform, &set)?;
        }
        Ok(self
            .store
            .import_roles(&actor.principal().audit_ctx(self), records)
            .await?)
    }

    /// The preset's roles and the one that `portico init` gives the super admin (and that an
    /// upgraded installation gives its existing platform administrators).
    pub(crate) fn preset_records(
        &self,
        name: &str,
    ) -> Result<(Vec<RoleRecord>, RoleId), ServiceError> {
        let catalog = self.access.catalog();
        let roles = presets::preset(name, catalog)
            .map_err(|_| ValidationError::new("preset", "choose basic, lms or crm"))?;
        let now = self.now();
        let records: Vec<RoleRecord> = roles.iter().map(|r| role_record(catalog, r, now)).collect();
        let admin_key = match name {
            "lms" => "lms.super_admin",
            "crm" => "crm.administrator",
            _ => "basic.admin",
        };
        let admin = records
            .iter()
            .find(|r| r.key == admin_key)
            .or_else(|| {
                records
                    .iter()
                    .filter(|r| r.level == Level::Platform)
                    .max_by_key(|r| r.permissions.len())
            })
            .map(|r| r.id)
            .ok_or_else(|| ServiceError::Internal(format!("preset {name} has no platform role")))?;
        Ok((records, admin))
    }

    /// Upgrades of installations made before roles existed: give the super admin and platform
    /// administrators the `basic` preset's Admin role. Does nothing once roles exist.
    pub async fn ensure_access_bootstrapped(&self) -> Result<bool, ServiceError> {
        if self.store.super_admin().await?.is_none() {
            return Ok(false);
        }
        let (roles, admin) = self.preset_records("basic")?;
        let ctx = self.system_ctx(&crate::auth::RequestMeta::cli());
        // One transaction, audited inside it as `access.bootstrap` (with the roles it added).
        Ok(self.store.bootstrap_access(&ctx, roles, admin).await?)
    }
}
