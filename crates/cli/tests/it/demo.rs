use crate::helpers::Portico;

#[test]
fn demo_fills_a_searchable_platform_and_refuses_to_run_twice() {
    let p = Portico::initialized();
    let r = p
        .run(&[
            "demo",
            "--organizations",
            "30",
            "--users",
            "400",
            "--enrollments",
            "100",
            "--seed",
            "3",
        ])
        .ok();
    assert!(r.stdout.contains("30 organizations"), "{}", r.stdout);
    assert!(r.stdout.contains("400 users"), "{}", r.stdout);

    let json = p
        .run(&["user", "list", "--limit", "200", "--json"])
        .ok()
        .stdout;
    let users: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    assert_eq!(users.len(), 200);
    let u = users
        .iter()
        .find(|u| u["last_name"].as_str().is_some_and(|s| !s.is_empty()))
        .expect("a demo user with a last name");
    let username = u["username"].as_str().unwrap();
    let query = format!(
        "{} {}",
        u["first_name"].as_str().unwrap(),
        u["last_name"].as_str().unwrap()
    );
    let found = p
        .run(&["user", "list", "--q", &query, "--limit", "1000"])
        .ok()
        .stdout;
    assert!(
        found.contains(username),
        "searching {query:?} finds {username}:\n{found}"
    );

    let orgs = p
        .run(&["org", "list", "--limit", "1000", "--json"])
        .ok()
        .stdout;
    let orgs: Vec<serde_json::Value> = serde_json::from_str(&orgs).expect("json");
    assert_eq!(orgs.len(), 30);
    assert!(
        orgs.iter().any(|o| o["parent_id"].is_string()),
        "nested organizations"
    );

    let again = p.run(&["demo", "--organizations", "3", "--users", "3"]);
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let forced = p.run(&[
        "demo",
        "--organizations",
        "3",
        "--users",
        "30",
        "--seed",
        "3",
        "--force",
    ]);
    forced.ok();
}

#[test]
fn demo_is_deterministic_for_a_seed() {
    let names = |seed: &str| {
        let p = Portico::new();
        p.run(&[
            "demo",
            "--organizations",
            "10",
            "--users",
            "50",
            "--seed",
            seed,
        ])
        .ok();
        p.command(&["init", "--username", "admin", "--email", "a@example.com"])
            .output()
            .unwrap();
        let out = p
            .run(&["user", "list", "--limit", "60", "--json"])
            .ok()
            .stdout;
        let v: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        let mut names: Vec<String> = v
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let a = names("11");
    assert_eq!(a.len(), 51);
    assert_eq!(a, names("11"));
    assert_ne!(a, names("12"));
}
