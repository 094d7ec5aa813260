use crate::helpers::Portico;

#[test]
fn organizations_are_created_nested_and_listed() {
    let p = Portico::initialized();
    let r = p
        .run(&[
            "org",
            "create",
            "--name",
            "Acme Europa",
            "--slug",
            "acme-eu",
        ])
        .ok();
    assert!(r.stdout.contains("acme-eu"), "{}", r.stdout);
    p.run(&[
        "org",
        "create",
        "--name",
        "Città di Roma",
        "--parent",
        "acme-eu",
    ])
    .ok();
    let dup = p.run(&["org", "create", "--name", "Again", "--slug", "acme-eu"]);
    assert_ne!(dup.code, 0);
    assert!(dup.stderr.contains("slug"), "{}", dup.stderr);

    let table = p.run(&["org", "list", "--members"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("SLUG"), "{table}");
    let rome = lines
        .iter()
        .find(|l| l.starts_with("citta-di-roma"))
        .expect(&table);
    assert!(
        rome.contains("Città di Roma") && rome.contains("acme-eu"),
        "{rome}"
    );

    let json = p.run(&["org", "list", "--q", "citt", "--json"]).ok().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(v[0]["slug"], "citta-di-roma");
    assert_eq!(v[0]["parent_slug"], "acme-eu");
}

#[test]
fn users_are_blocked_unblocked_and_deleted_only_when_confirmed() {
    let p = Portico::initialized();
    p.run(&[
        "demo",
        "--organizations",
        "5",
        "--users",
        "20",
        "--seed",
        "7",
    ])
    .ok();
    let json = p
        .run(&["user", "list", "--limit", "3", "--json"])
        .ok()
        .stdout;
    let users: serde_json::Value = serde_json::from_str(&json).expect("json");
    let name = users[0]["username"].as_str().expect("a user").to_string();
    assert_ne!(name, "admin");

    let r = p.run(&["user", "block", &name]).ok();
    assert!(r.stdout.contains("Blocked"), "{}", r.stdout);
    p.run(&["user", "unblock", &name]).ok();

    let refused = p.run(&["user", "delete", &name]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    p.run(&["user", "list", "--q", &name]).ok();

    p.run(&["user", "delete", &name, "--yes"]).ok();
    let gone = p.run(&["user", "block", &name]);
    assert_ne!(gone.code, 0);

    let admin = p.run(&["user", "delete", "admin", "--yes"]);
    assert_ne!(admin.code, 0, "the super admin cannot be deleted");
}
