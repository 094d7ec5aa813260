//! Access control from the command line: custom roles, assignments, personal grants and
//! denials, data filters, explain and holders — through the real binary.

use crate::helpers::{Portico, Run};

#[track_caller]
fn refused(r: Run, says: &str) -> Run {
    assert_ne!(r.code, 0, "expected a refusal\nstdout:\n{}", r.stdout);
    assert!(
        r.stderr.contains(says),
        "expected {says:?} in stderr:\n{}",
        r.stderr
    );
    r
}

fn json(r: Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// An installation with the organization `acme` and its internal member `ana`.
fn with_member() -> Portico {
    let p = Portico::initialized();
    p.run(&["org", "create", "--name", "Acme", "--slug", "acme"])
        .ok();
    let r = p
        .run(&[
            "org",
            "add-member",
            "acme",
            "--email",
            "ana@example.com",
            "--first-name",
            "Ana",
            "--last-name",
            "Rossi",
        ])
        .ok();
    assert!(r.stdout.contains("Created ana"), "{}", r.stdout);
    p
}

#[test]
fn a_custom_role_is_created_copied_edited_assigned_explained_and_deleted() {
    let p = with_member();
    let created = json(
        p.run(&[
            "role",
            "create",
            "--name",
            "Tutor",
            "--level",
            "organization",
            "--permissions",
            "members.view,users.view",
            "--description",
            "Looks after learners",
            "--json",
        ])
        .ok(),
    );
    let key = created["key"].as_str().expect("a key").to_string();
    assert_eq!(created["level"], "organization");
    assert_eq!(created["version"], 1);

    // Bad input is refused with the service's reason, and nothing is created.
    refused(
        p.run(&[
            "role",
            "create",
            "--name",
            "Bad",
            "--level",
            "organization",
            "--permissions",
            "members.view,nope.nothing",
        ]),
        "unknown permission \"nope.nothing\"",
    );
    refused(
        p.run(&[
            "role",
            "create",
            "--name",
            "Bad",
            "--level",
            "organization",
            "--permissions",
            "roles.manage",
        ]),
        "roles.manage does not apply to organization-level roles",
    );
    let roles = p.run(&["role", "list"]).ok().stdout;
    assert!(!roles.contains("Bad"), "{roles}");

    // A copy keeps the level and permissions.
    let copy = json(
        p.run(&[
            "role",
            "create",
            "--name",
            "Tutor copy",
            "--copy-from",
            &key,
            "--json",
        ])
        .ok(),
    );
    assert_eq!(copy["level"], "organization");
    assert_eq!(copy["permissions"], created["permissions"]);
    assert_ne!(copy["key"], created["key"]);

    // Edit: add and remove against the current version; a bad edit changes nothing.
    let r = p
        .run(&[
            "role",
            "edit",
            &key,
            "--name",
            "Senior tutor",
            "--add",
            "members.add",
            "--remove",
            "users.view",
        ])
        .ok();
    assert!(r.stdout.contains("added    members.add"), "{}", r.stdout);
    refused(
        p.run(&["role", "edit", &key, "--add", "platform.nothing"]),
        "unknown permission",
    );
    refused(
        p.run(&["role", "edit", "basic.admin", "--name", "Mine"]),
        "read-only",
    );
    let shown = p.run(&["role", "show", &key]).ok().stdout;
    assert!(shown.starts_with("Senior tutor"), "{shown}");
    assert!(shown.contains("  Members\n"), "grouped by section: {shown}");
    assert!(shown.contains("members.add"), "{shown}");
    assert!(!shown.contains("users.view"), "{shown}");
    assert!(shown.contains("version      2"), "{shown}");

    // Assign in the organization (a back-office user needs an IP allowlist first).
    refused(
        p.run(&["role", "assign", "ana", &key, "--org", "acme"]),
        "IP allowlist",
    );
    refused(
        p.run(&["user", "allowlist", "ana", "10.0.0.0/33"]),
        "ip_allowlist",
    );
    let r = p
        .run(&["user", "allowlist", "ana", "10.0.0.0/8, 2001:db8::/32"])
        .ok();
    assert!(r.stdout.contains("10.0.0.0/8"), "{}", r.stdout);
    let r = p
        .run(&["role", "assign", "ana", &key, "--org", "acme"])
        .ok();
    assert!(
        r.stdout.contains("ana now holds Senior tutor at acme"),
        "{}",
        r.stdout
    );
    refused(
        p.run(&["role", "assign", "ana", &key]),
        "organization-level role",
    );
    let table = p.run(&["role", "assignments", "ana"]).ok().stdout;
    let row = table
        .lines()
        .find(|l| l.starts_with("Senior tutor"))
        .expect(&table);
    assert!(row.contains("acme") && row.contains("ras_"), "{row}");

    let allowed = p
        .run(&["authz", "explain", "ana", "members.add", "--org", "acme"])
        .ok();
    assert!(allowed.stdout.starts_with("ALLOWED"), "{}", allowed.stdout);
    assert!(
        allowed.stdout.contains("Senior tutor"),
        "{}",
        allowed.stdout
    );
    let holders = p
        .run(&["authz", "holders", "members.add", "--org", "acme"])
        .ok()
        .stdout;
    assert!(holders.lines().any(|l| l.starts_with("ana ")), "{holders}");

    // A personal denial wins over the role.
    let r = p
        .run(&["user", "deny", "ana", "members.add", "--org", "acme"])
        .ok();
    assert!(r.stdout.contains("pov_"), "{}", r.stdout);
    refused(
        p.run(&["user", "grant", "ana", "nope.nothing", "--org", "acme"]),
        "unknown permission",
    );
    let denied = p.run(&["authz", "explain", "ana", "members.add", "--org", "acme"]);
    assert_eq!(denied.code, 1, "{}", denied.stdout);
    assert!(denied.stdout.starts_with("DENIED"), "{}", denied.stdout);
    assert!(
        denied.stdout.contains("personal denial"),
        "{}",
        denied.stdout
    );
    let overrides = json(p.run(&["user", "overrides", "ana", "--json"]).ok());
    assert_eq!(overrides.as_array().map(Vec::len), Some(1), "{overrides}");
    assert_eq!(overrides[0]["effect"], "deny");
    let holders = json(
        p.run(&["authz", "holders", "members.add", "--org", "acme", "--json"])
            .ok(),
    );
    let names: Vec<&str> = holders
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert!(!names.contains(&"ana"), "{names:?}");
    let holders = p
        .run(&["authz", "holders", "members.view", "--org", "acme"])
        .ok()
        .stdout;
    assert!(holders.lines().any(|l| l.starts_with("ana ")), "{holders}");

    // A role still held is not deleted; deleting asks for confirmation.
    refused(
        p.run(&["role", "delete", &key, "--yes"]),
        "remove its assignments",
    );
    refused(p.run(&["role", "delete", &key]), "--yes");

    p.run(&["role", "unassign", "ana", "--role", &key, "--org", "acme"])
        .ok();
    refused(
        p.run(&["role", "unassign", "ana", "--role", &key, "--org", "acme"]),
        "does not hold",
    );
    let none = p.run(&["role", "assignments", "ana"]).ok();
    assert!(none.stderr.contains("holds no roles"), "{}", none.stderr);

    let r = p.run(&["role", "delete", &key, "--yes"]).ok();
    assert!(
        r.stdout.contains("Deleted the role Senior tutor"),
        "{}",
        r.stdout
    );
    let roles = p.run(&["role", "list"]).ok().stdout;
    assert!(!roles.contains(&key), "{roles}");
    assert!(roles.contains("Tutor copy"), "{roles}");
    refused(p.run(&["role", "show", &key]), "no role");
}

#[test]
fn overrides_filters_copies_relationships_and_the_super_admin() {
    let p = with_member();
    p.run(&["user", "allowlist", "ana", "*"]).ok();
    p.run(&["user", "grant", "ana", "users.view", "--org", "acme"])
        .ok();
    p.run(&["user", "deny", "ana", "members.view", "--org", "acme"])
        .ok();
    let table = p.run(&["user", "overrides", "ana"]).ok().stdout;
    assert!(
        table.lines().any(|l| l.starts_with("grant   users.view")),
        "{table}"
    );
    let r = p
        .run(&[
            "user",
            "remove-override",
            "ana",
            "--permission",
            "members.view",
            "--org",
            "acme",
        ])
        .ok();
    assert!(
        r.stdout.contains("Removed the personal deny"),
        "{}",
        r.stdout
    );

    // Data filters: shown, replaced, refused when malformed (unchanged), cleared.
    let none = p.run(&["user", "filters", "ana"]).ok();
    assert!(none.stdout.contains("no data filters"), "{}", none.stdout);
    p.run(&[
        "user",
        "filters",
        "ana",
        "--tag",
        "eu",
        "--attribute",
        "country=IT,DK",
        "--orgs",
        "acme",
    ])
    .ok();
    refused(
        p.run(&["user", "filters", "ana", "--attribute", "country"]),
        "NAME=VALUE",
    );
    let shown = p.run(&["user", "filters", "ana"]).ok().stdout;
    for f in [
        "tag in (eu)",
        "country in (DK, IT)",
        "organization in (acme)",
    ] {
        assert!(shown.contains(f), "{f} in {shown}");
    }

    // A copy gets the grant and, when asked, the filters.
    let copy = json(
        p.run(&[
            "user",
            "copy",
            "ana",
            "--username",
            "ana2",
            "--email",
            "ana2@example.com",
            "--first-name",
            "Anna",
            "--copy-filters",
            "--json",
        ])
        .ok(),
    );
    assert_eq!(copy["username"], "ana2");
    let copied = json(p.run(&["user", "overrides", "ana2", "--json"]).ok());
    assert_eq!(copied[0]["permission"], "users.view");
    let filters = json(p.run(&["user", "filters", "ana2", "--json"]).ok());
    assert_eq!(filters.as_array().map(Vec::len), Some(3), "{filters}");
    refused(
        p.run(&[
            "user",
            "copy",
            "ana",
            "--username",
            "ana3",
            "--email",
            "ana2@example.com",
        ]),
        "email",
    );
    p.run(&["user", "filters", "ana", "--clear"]).ok();
    let none = p.run(&["user", "filters", "ana", "--json"]).ok().stdout;
    assert_eq!(none.trim(), "[]");

    // Relationships inside an organization.
    p.run(&["org", "relate", "acme", "ana", "manager", "ana2"])
        .ok();
    refused(
        p.run(&["org", "relate", "acme", "ana", "boss", "ana2"]),
        "manager, parent or mentor",
    );
    let rel = p.run(&["org", "relationships", "acme"]).ok().stdout;
    assert!(
        rel.lines()
            .any(|l| l.split_whitespace().eq(["ana", "manager", "ana2"])),
        "{rel}"
    );
    p.run(&["org", "unrelate", "acme", "ana", "manager", "ana2"])
        .ok();

    // The super admin's transfer asks for confirmation and needs an active administrator.
    let admins = p.run(&["admin", "list"]).ok().stdout;
    assert!(
        admins
            .lines()
            .any(|l| l.starts_with("admin") && l.contains("super admin")),
        "{admins}"
    );
    refused(p.run(&["admin", "transfer-super-admin", "ana"]), "--yes");
    refused(
        p.run(&["admin", "transfer-super-admin", "ana", "--yes"]),
        "active platform administrator",
    );
    let admins = json(p.run(&["admin", "list", "--json"]).ok());
    assert_eq!(admins[0]["username"], "admin");
    assert_eq!(admins[0]["is_super_admin"], true);
}
