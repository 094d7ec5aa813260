use crate::helpers::{Portico, sqlite};

#[test]
fn audit_verify_passes_then_names_the_tampered_entry() {
    let p = Portico::initialized();
    p.run(&["org", "create", "--name", "Acme"]).ok();
    p.run(&["org", "create", "--name", "Globex"]).ok();
    let r = p.run(&["audit", "verify"]).ok();
    // init: the super admin and the preset's roles; then the two organizations.
    assert!(
        r.stdout.contains("audit log intact: 4 entries"),
        "{}",
        r.stdout
    );

    let (seq, id) = sqlite(&p.db_path(), async |db| {
        let row: (i64, String) =
            sqlx::query_as("SELECT seq, id FROM audit_events ORDER BY seq LIMIT 1 OFFSET 1")
                .fetch_one(db)
                .await
                .expect("an audit row");
        sqlx::query("UPDATE audit_events SET action = 'org.nothing_to_see' WHERE seq = ?")
            .bind(row.0)
            .execute(db)
            .await
            .expect("tamper");
        row
    });
    let broken = p.run(&["audit", "verify"]);
    assert_eq!(broken.code, 1, "{}{}", broken.stdout, broken.stderr);
    assert!(
        broken
            .stdout
            .contains(&format!("audit log BROKEN at entry #{seq} ({id})")),
        "{}",
        broken.stdout
    );
}
