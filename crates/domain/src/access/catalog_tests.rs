use super::*;

#[test]
fn keys_are_parsed() {
    for ok in ["users.block", "app.billing.invoices_export", "a1.b2"] {
        assert!(Permission::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "users",
        "Users.block",
        "users..block",
        ".users",
        "users.",
        "1a.b",
        "users.bl ock",
        "users.block-x",
    ] {
        assert!(Permission::parse(bad).is_err(), "{bad}");
    }
    assert!(Permission::parse(&format!("a.{}", "b".repeat(63))).is_err());
    let p = Permission::parse("users.reset_credentials").unwrap();
    assert_eq!((p.resource(), p.action()), ("users", "reset_credentials"));
}

#[test]
fn builtin_catalogue_is_complete_and_valid() {
    let c = Catalog::portico();
    assert_eq!(c.len(), BUILTIN.len());
    for key in [
        "organizations.delete",
        "members.add",
        "users.impersonate",
        "roles.manage",
        "role_assignments.manage",
        "permissions.grant",
        "api_keys.manage",
        "applications.manage",
        "licenses.manage",
        "catalog.manage",
        "projects.manage",
        "enrollments.manage",
        "reports.export",
        "settings.manage",
        "audit.export",
    ] {
        assert!(c.index_of(key).is_ok(), "{key}");
    }
    // Every permission applies at the platform: a platform role can hold anything.
    assert_eq!(c.valid_at(Level::Platform), c.all());
    assert!(c.valid_at(Level::Project).len() < c.valid_at(Level::Organization).len());
    assert!(c.entries().iter().all(|e| !e.description.is_empty()));
}

#[test]
fn applications_register_permissions() {
    let mut c = Catalog::portico();
    let before = c.index_of("audit.export").unwrap();
    let entry = CatalogEntry {
        permission: Permission::parse("app.billing.refund").unwrap(),
        description: "Refund an invoice".into(),
        section: "Billing".into(),
        levels: LevelSet::of(&[Level::Organization]),
        application: Some("billing".into()),
    };
    let ix = c.register(entry.clone()).unwrap();
    assert_eq!(c.index_of("app.billing.refund").unwrap(), ix);
    assert_eq!(c.index_of("audit.export").unwrap(), before);
    assert_eq!(
        c.register(entry),
        Err(AccessError::DuplicatePermission(
            "app.billing.refund".into()
        ))
    );
    assert!(!c.valid_at(Level::Platform).contains(ix));
    assert_eq!(c.sections().last().unwrap().0, "Billing");
}

#[test]
fn sets_and_patterns() {
    let c = Catalog::portico();
    assert!(matches!(
        c.set(["users.view", "nope.nope"]),
        Err(AccessError::UnknownPermission(_))
    ));
    let users = c.matching("users.*").unwrap();
    assert_eq!(users.len(), 6);
    let views = c.matching("*.view").unwrap();
    assert!(c.keys(&views).iter().all(|k| k.ends_with(".view")));
    assert_eq!(c.matching("*").unwrap(), c.all());
    assert!(c.matching("x.y").is_err());
}

#[test]
fn catalogue_fills_up() {
    let mut c = Catalog::empty();
    for i in 0..MAX_PERMISSIONS {
        let e = CatalogEntry {
            permission: Permission::parse(&format!("p.n{i}")).unwrap(),
            description: "x".into(),
            section: "x".into(),
            levels: LevelSet::ALL,
            application: None,
        };
        c.register(e).unwrap();
    }
    let e = CatalogEntry {
        permission: Permission::parse("p.last").unwrap(),
        description: "x".into(),
        section: "x".into(),
        levels: LevelSet::ALL,
        application: None,
    };
    assert_eq!(c.register(e), Err(AccessError::CatalogFull));
}
