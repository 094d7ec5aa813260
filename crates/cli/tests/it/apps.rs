//! `portico app …` and `portico org licenses` (A1–A3, L1–L3): the CLI acts through the
//! services, with the same rules as the API.

use crate::helpers::Portico;

#[test]
fn applications_and_licenses_from_the_command_line() {
    let p = Portico::initialized();
    p.run(&["org", "create", "--name", "Acme", "--slug", "acme"])
        .ok();
    p.run(&["org", "add-member", "acme", "--email", "ann@example.com"])
        .ok();
    p.run(&["org", "add-member", "acme", "--email", "bob@example.com"])
        .ok();

    // Licenses: one application seat for two members.
    let r = p.run(&["org", "licenses", "acme", "--app-seats", "1"]).ok();
    assert!(
        r.stdout.contains("application seats: 0 of 1"),
        "{}",
        r.stdout
    );
    let bad = p.run(&["org", "licenses", "acme", "--app-seats=-1"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("negative"), "{}", bad.stderr);

    // An auto-assigned application: reaches Acme, one member within the seat.
    let r = p
        .run(&["app", "create", "--name", "Chat", "--auto", "--inactive"])
        .ok();
    assert!(
        r.stdout.contains("1 member(s) given access, 1 not"),
        "{}",
        r.stdout
    );
    let r = p.run(&["app", "list"]).ok();
    assert!(
        r.stdout.contains("chat") && r.stdout.contains("inactive") && r.stdout.contains("auto"),
        "{}",
        r.stdout
    );
    let r = p.run(&["org", "licenses", "acme"]).ok();
    assert!(
        r.stdout.contains("application seats: 1 of 1"),
        "{}",
        r.stdout
    );
    // Not below usage.
    let below = p.run(&["org", "licenses", "acme", "--app-seats", "0"]);
    assert_ne!(below.code, 0);
    assert!(below.stderr.contains("cannot be lower"), "{}", below.stderr);

    // Another application: assign, a second assignment is refused, unassign needs --yes
    // only when someone loses access.
    p.run(&["app", "create", "--name", "Wiki", "--slug", "wiki"])
        .ok();
    p.run(&["app", "assign", "wiki", "acme"]).ok();
    let again = p.run(&["app", "assign", "wiki", "acme"]);
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("already assigned"),
        "{}",
        again.stderr
    );
    let r = p.run(&["app", "unassign", "wiki", "acme"]).ok();
    assert!(r.stdout.contains("0 member(s) lost access"), "{}", r.stdout);
    let refused = p.run(&["app", "unassign", "chat", "acme"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    let r = p.run(&["org", "licenses", "acme"]).ok();
    assert!(r.stdout.contains("1 of 1"), "unchanged: {}", r.stdout);
    let r = p.run(&["app", "unassign", "chat", "acme", "--yes"]).ok();
    assert!(r.stdout.contains("1 member(s) lost access"), "{}", r.stdout);
    let r = p
        .run(&["org", "licenses", "acme", "--app-seats", "none"])
        .ok();
    assert!(
        r.stdout.contains("application seats: 0 (unlimited)"),
        "{}",
        r.stdout
    );

    // Update: rename and make it the default.
    let r = p
        .run(&[
            "app",
            "update",
            "wiki",
            "--name",
            "Knowledge base",
            "--default",
            "true",
            "--status",
            "active",
        ])
        .ok();
    assert!(r.stdout.contains("Knowledge base"), "{}", r.stdout);
    p.run(&["org", "create", "--name", "Beta", "--slug", "beta"])
        .ok();
    let r = p.run(&["app", "unassign", "wiki", "beta"]).ok();
    assert!(
        r.stdout.contains("Unassigned wiki from beta"),
        "the default reached Beta: {}",
        r.stdout
    );
    let missing = p.run(&["app", "update", "nope", "--name", "X"]);
    assert_ne!(missing.code, 0);
    assert!(missing.stderr.contains("not found"), "{}", missing.stderr);
}
