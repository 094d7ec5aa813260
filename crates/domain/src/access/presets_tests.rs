use super::*;

fn role<'a>(roles: &'a [Role], key: &str) -> &'a Role {
    roles.iter().find(|r| r.key == key).unwrap()
}

fn has(c: &Catalog, r: &Role, key: &str) -> bool {
    r.permissions.contains(c.index_of(key).unwrap())
}

#[test]
fn every_preset_is_valid_and_read_only() {
    let c = Catalog::portico();
    for name in PRESETS {
        let roles = preset(name, &c).unwrap();
        assert!(!roles.is_empty());
        for r in &roles {
            assert!(r.preset);
            r.validate(&c).unwrap();
            assert!(r.key.starts_with(name));
        }
        let mut keys: Vec<_> = roles.iter().map(|r| &r.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), roles.len(), "{name}: keys unique");
        // Every preset has a platform role holding everything (for the super admin).
        assert!(
            roles
                .iter()
                .any(|r| r.level == Level::Platform && r.permissions == c.all())
        );
    }
    assert_eq!(
        preset("erp", &c),
        Err(AccessError::UnknownPreset("erp".into()))
    );
}

#[test]
fn lms_partial_administrator() {
    let c = Catalog::portico();
    let roles = preset("lms", &c).unwrap();
    let r = role(&roles, "lms.partial_administrator");
    for no in [
        "users.impersonate",
        "licenses.view",
        "licenses.manage",
        "organizations.delete",
        "administrators.view",
        "administrators.manage",
    ] {
        assert!(!has(&c, r, no), "{no}");
    }
    for yes in [
        "users.block",
        "organizations.create",
        "members.add",
        "reports.export",
        "catalog.manage",
    ] {
        assert!(has(&c, r, yes), "{yes}");
    }
    let admin = role(&roles, "lms.administrator");
    assert!(r.permissions.is_subset(&admin.permissions));
}

#[test]
fn lms_observer_reads_everything_and_changes_nothing() {
    let c = Catalog::portico();
    let roles = preset("lms", &c).unwrap();
    let r = role(&roles, "lms.observer");
    assert_eq!(r.permissions, c.matching("*.view").unwrap());
    assert!(
        has(&c, r, "reports.view") && has(&c, r, "audit.view") && has(&c, r, "administrators.view")
    );
    assert!(c.keys(&r.permissions).iter().all(|k| k.ends_with(".view")));
}

#[test]
fn lms_levels_and_relationship_roles() {
    let c = Catalog::portico();
    let roles = preset("lms", &c).unwrap();
    let levels = |l: Level| roles.iter().filter(|r| r.level == l).count();
    assert_eq!((levels(P), levels(O), levels(Pr)), (4, 6, 3));
    assert_eq!(
        role(&roles, "lms.manager").reach,
        Reach::Related(Relation::Manager)
    );
    let learner = role(&roles, "lms.learner");
    assert!(!has(&c, learner, "enrollments.manage"));
    let org_admin = role(&roles, "lms.organization_administrator");
    assert!(has(&c, org_admin, "users.block") && !has(&c, org_admin, "licenses.manage"));
    assert!(!has(&c, org_admin, "organizations.delete"));
}

#[test]
fn basic_standard_has_no_users_or_admin_settings() {
    let c = Catalog::portico();
    let roles = preset("basic", &c).unwrap();
    let std = role(&roles, "basic.standard");
    for no in [
        "users.view",
        "members.add",
        "roles.manage",
        "settings.view",
        "api_keys.manage",
        "audit.view",
    ] {
        assert!(!has(&c, std, no), "{no}");
    }
    for yes in [
        "organizations.edit",
        "catalog.manage",
        "reports.export",
        "applications.manage",
    ] {
        assert!(has(&c, std, yes), "{yes}");
    }
    assert!(role(&roles, "basic.no_access").permissions.is_empty());
}

#[test]
fn crm_roles() {
    let c = Catalog::portico();
    let roles = preset("crm", &c).unwrap();
    assert_eq!(roles.len(), 9);
    let basic = role(&roles, "crm.support_basic");
    let manager = role(&roles, "crm.support_manager");
    assert!(basic.permissions.is_subset(&manager.permissions));
    assert!(
        role(&roles, "crm.retention_sales")
            .permissions
            .is_subset(&role(&roles, "crm.retention_manager").permissions)
    );
    assert!(!has(&c, role(&roles, "crm.affiliate_basic"), "users.edit"));
}
