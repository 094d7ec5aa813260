use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn defaults_without_anything() {
    let c = Config::resolve(&ConfigArgs::default(), &env(&[])).unwrap();
    assert_eq!(c.listen, "127.0.0.1:8080");
    assert_eq!(c.data_dir, PathBuf::from("./portico-data"));
    assert!(c.database_url.is_none());
    assert!(!c.secure_cookies);
    assert_eq!(c.session_idle_minutes, 30);
    assert_eq!(c.session_lifetime_minutes, 720);
    assert_eq!(c.impersonation_max_minutes, 30);
    assert_eq!(c.service_config().impersonation_max_minutes, 30);
    assert_eq!(c.log, "info");
    assert!(matches!(c.database(), DatabaseTarget::SqliteDir(_)));
    assert_eq!(c.sources["listen"], Source::Default);
}

#[test]
fn flags_beat_environment_which_beats_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portico.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:9000\"\ndata_dir = \"data\"\nlog = \"debug\"\n\
         trusted_proxies = [\"10.0.0.0/8\", \"192.168.1.1\"]\nsession_idle_minutes = 10\n",
    )
    .unwrap();
    let file_s = file.to_str().unwrap().to_string();
    let args = ConfigArgs {
        listen: Some("127.0.0.1:1234".into()),
        ..Default::default()
    };
    let c = Config::resolve(
        &args,
        &env(&[
            ("PORTICO_CONFIG", &file_s),
            ("PORTICO_LISTEN", "127.0.0.1:5555"),
            ("PORTICO_LOG", "warn"),
            ("PORTICO_SECURE_COOKIES", "yes"),
            ("PORTICO_IMPERSONATION_MAX_MINUTES", "10"),
        ]),
    )
    .unwrap();
    assert_eq!(c.listen, "127.0.0.1:1234");
    assert_eq!(c.sources["listen"], Source::Flag);
    assert_eq!(c.log, "warn");
    assert_eq!(c.sources["log"], Source::Env);
    assert!(c.secure_cookies);
    assert_eq!(c.data_dir, dir.path().join("data"), "relative to the file");
    assert_eq!(c.sources["data_dir"], Source::File);
    assert_eq!(c.trusted_proxies.len(), 2);
    assert_eq!(c.trusted_proxies[1].to_string(), "192.168.1.1/32");
    assert_eq!(c.session_idle_minutes, 10);
    assert_eq!(c.service_config().impersonation_max_minutes, 10);
}

#[test]
fn bad_values_are_refused_at_start() {
    let cases: &[(&str, &str)] = &[
        ("PORTICO_LISTEN", "nope"),
        ("PORTICO_SECURE_COOKIES", "maybe"),
        ("PORTICO_TRUSTED_PROXIES", "10.0.0.0/8,not-a-net"),
        ("PORTICO_DATABASE_URL", "mysql://x"),
        ("PORTICO_SESSION_IDLE_MINUTES", "0"),
        ("PORTICO_SESSION_IDLE_MINUTES", "1000"),
        ("PORTICO_IMPERSONATION_MAX_MINUTES", "0"),
        ("PORTICO_IMPERSONATION_MAX_MINUTES", "100000"),
        ("PORTICO_LOG", "info,[[["),
    ];
    for (k, v) in cases {
        let r = Config::resolve(&ConfigArgs::default(), &env(&[(k, v)]));
        assert!(r.is_err(), "{k}={v} should be refused");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "lisen = \"x\"\n").unwrap();
    let e = Config::resolve(
        &ConfigArgs {
            config: Some(file),
            ..Default::default()
        },
        &env(&[]),
    )
    .unwrap_err();
    assert!(e.0.contains("lisen"), "{e}");
}

#[test]
fn the_database_password_is_redacted_everywhere() {
    let c = Config::resolve(
        &ConfigArgs::default(),
        &env(&[(
            "PORTICO_DATABASE_URL",
            "postgres://portico:TopSecret99@db/portico",
        )]),
    )
    .unwrap();
    assert!(matches!(c.database(), DatabaseTarget::Url(ref u) if u.is_postgres()));
    assert!(!format!("{c:?}").contains("TopSecret99"));
    assert!(!c.describe().contains("TopSecret99"));
    assert!(c.describe().contains("postgres://portico:***@db/portico"));
}

#[test]
fn empty_environment_values_count_as_unset() {
    let c = Config::resolve(
        &ConfigArgs::default(),
        &env(&[("PORTICO_DATABASE_URL", "")]),
    )
    .unwrap();
    assert!(c.database_url.is_none());
}

#[test]
fn every_setting_has_a_distinct_env_and_flag() {
    let mut envs: Vec<_> = TABLE.iter().map(|s| s.env).collect();
    envs.sort();
    envs.dedup();
    assert_eq!(envs.len(), TABLE.len());
    assert!(
        TABLE
            .iter()
            .all(|s| s.env.starts_with("PORTICO_") && s.flag.starts_with("--"))
    );
    let md = markdown_table();
    assert!(TABLE.iter().all(|s| md.contains(s.env)));
}

/// The README's configuration table must name every variable in [`TABLE`]. Until the README
/// has the table, this says so and passes; `portico config --markdown` prints one to paste.
#[test]
fn readme_configuration_table_lists_every_setting() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let Ok(readme) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: no README.md at {}", path.display());
        return;
    };
    let table: String = readme
        .lines()
        .filter(|l| l.trim_start().starts_with('|') && l.contains("PORTICO_"))
        .collect::<Vec<_>>()
        .join("\n");
    if table.is_empty() {
        eprintln!(
            "skipped: README.md has no configuration table yet (paste `portico config --markdown`)"
        );
        return;
    }
    let missing: Vec<&str> = TABLE
        .iter()
        .map(|s| s.env)
        .filter(|e| !table.contains(e))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's configuration table lacks {missing:?}; regenerate it with `portico config --markdown`"
    );
}
