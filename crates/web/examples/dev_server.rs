//! A development server for the console: a fresh SQLite database, the super admin, optional
//! sample data, served on a fixed port.
//!
//! ```text
//! cargo run -p portico-web --example dev_server -- [--port 8099] [--seed] [--data DIR]
//! ```
//! Signs in as `admin` / `Quartz-lantern-harbour-93` unless `PORTICO_DEV_PASSWORD` is set;
//! with `--seed`, `viewer` (same password) can sign in but has no back-office access.

use portico_services::members::AddMemberInput;
use portico_services::orgs::OrgInput;
use portico_services::{ServiceConfig, Services, SystemClock};
use portico_store::SqlStore;
use std::collections::BTreeMap;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let port: u16 = arg("--port").and_then(|p| p.parse().ok()).unwrap_or(8099);
    let seed = args.iter().any(|a| a == "--seed");
    let tmp = tempfile::tempdir()?;
    let dir = arg("--data")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let password = std::env::var("PORTICO_DEV_PASSWORD")
        .unwrap_or_else(|_| "Quartz-lantern-harbour-93".into());

    let store = SqlStore::open_sqlite_dir(&dir).await?;
    store.migrate().await?;
    let services = Services::new(
        Arc::new(store),
        Arc::new(SystemClock),
        ServiceConfig::default(),
    );
    if services.store().super_admin().await?.is_none() {
        services
            .init_super_admin("admin", "admin@portico.example", Some(&password), "basic")
            .await?;
        if seed {
            seed_data(&services).await?;
            // Someone who can sign in but has no back-office access (the "No access" page).
            let admin = services
                .back_office(services.cli_principal().await?)
                .await?;
            services
                .create_platform_user(
                    &admin,
                    "viewer",
                    "viewer@portico.example",
                    &password,
                    Some("basic.standard"),
                )
                .await?;
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "console on http://127.0.0.1:{port}/ (admin / {password}), data in {}",
        dir.display()
    );
    portico_web::serve(
        listener,
        services,
        portico_web::WebConfig::default(),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await?;
    Ok(())
}

/// A few nested organizations with internal and external members.
async fn seed_data(s: &Services) -> Result<(), Box<dyn std::error::Error>> {
    let admin = s.back_office(s.cli_principal().await?).await?;
    let org = |name: &str,
               parent: Option<portico_domain::OrgId>,
               tags: &[&str],
               attrs: &[(&str, &str)]| OrgInput {
        name: name.into(),
        slug: None,
        parent_id: parent,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        attributes: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    };
    let people = [
        ("Giulia", "Bianchi"),
        ("Lars", "Nørgaard"),
        ("Aiko", "Tanaka"),
        ("Mateo", "García"),
        ("Zofia", "Kowalska"),
        ("Chidi", "Okafor"),
        ("Émile", "Laurent"),
        ("Priya", "Raman"),
        ("Sven", "Lindqvist"),
        ("Fatima", "Haddad"),
        ("Noah", "Becker"),
        ("Olga", "Ivanova"),
        ("Tomás", "Ferreira"),
        ("Mei", "Chen"),
        ("Jonas", "Schmidt"),
        ("Ana", "Costa"),
    ];
    let tops = [
        (
            "Acme Learning",
            &["enterprise", "eu"][..],
            &[("country", "IT"), ("segment", "education")][..],
            9usize,
        ),
        (
            "Northwind Health",
            &["enterprise"][..],
            &[("country", "DK")][..],
            6,
        ),
        ("Globex Retail", &["smb"][..], &[("country", "ES")][..], 4),
        ("Initech", &["trial"][..], &[][..], 2),
        (
            "Umbrella Logistics",
            &["enterprise", "us"][..],
            &[("country", "US")][..],
            7,
        ),
    ];
    let mut n = 0usize;
    let mut first_users = Vec::new();
    for (name, tags, attrs, members) in tops {
        let top = s.create_org(&admin, org(name, None, tags, attrs)).await?;
        let scope = s.org_scope(&admin, top.id).await?;
        for _ in 0..members {
            let (f, l) = people[n % people.len()];
            let email = format!("{}.{}{}@example.com", f.to_lowercase(), l.to_lowercase(), n);
            let (u, _) = s
                .add_member(
                    &scope,
                    AddMemberInput {
                        email,
                        username: None,
                        first_name: f.into(),
                        last_name: l.into(),
                        ..Default::default()
                    },
                )
                .await?;
            first_users.push(u.email);
            n += 1;
        }
        for sub in ["Europe", "North America"] {
            if name == "Initech" {
                break;
            }
            let child = s
                .create_org(
                    &admin,
                    org(&format!("{name} {sub}"), Some(top.id), &[], &[]),
                )
                .await?;
            if sub == "Europe" {
                let cs = s.org_scope(&admin, child.id).await?;
                s.create_org(
                    &admin,
                    org(
                        &format!("{name} Italy"),
                        Some(child.id),
                        &["eu"],
                        &[("country", "IT")],
                    ),
                )
                .await?;
                // A person from elsewhere joins as an external member.
                let email = first_users[first_users.len() / 2].clone();
                s.add_member(
                    &cs,
                    AddMemberInput {
                        email,
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
    }
    // People who work with several clients: external members of other top-level organizations.
    let top_scopes = s
        .list_orgs(
            &admin,
            portico_services::records::OrgFilter {
                q: None,
                parent: Some(None),
            },
            portico_domain::page::PageRequest::first(10),
        )
        .await?;
    for (i, top) in top_scopes.items.iter().enumerate() {
        let scope = s.org_scope(&admin, top.id).await?;
        for k in 0..(i % 3 + 1) {
            let email = first_users[(i * 5 + k * 7 + 3) % first_users.len()].clone();
            // Already a member (their home organization): skip.
            let _ = s
                .add_member(
                    &scope,
                    AddMemberInput {
                        email,
                        ..Default::default()
                    },
                )
                .await;
        }
    }
    // Someone blocked, for the badges.
    let blocked = s
        .search_users(
            &admin,
            Some("olga"),
            portico_domain::page::PageRequest::first(1),
        )
        .await?;
    if let Some(u) = blocked.items.first() {
        s.block_user(&admin, u.id).await?;
    }
    Ok(())
}
