//! Projects (PR1): a project scope stores its organization, so deleting the project or its
//! organization takes the assignments and overrides at that scope; create and delete bump
//! the access version and the snapshot maps each project to its organization.

use crate::both_backends;
use crate::helpers::*;
use portico_domain::ProjectStatus;
use portico_domain::access::Level;
use portico_domain::ids::ProjectId;
use portico_domain::page::PageRequest;
use portico_services::records::*;
use portico_services::{Store, StoreError as SE};

async fn project(db: &Db, org: portico_domain::OrgId, name: &str) -> ProjectRecord {
    db.store
        .create_project(
            &db.ctx(),
            NewProject {
                id: ProjectId::generate(),
                org_id: org,
                name: name.into(),
                status: ProjectStatus::Active,
                course_template_id: None,
                starts_at: None,
                location: String::new(),
            },
        )
        .await
        .unwrap()
}

both_backends!(
    project_scopes_carry_their_organization_and_go_with_the_project,
    |db: Db| async move {
        let s = &db.store;
        let c = db.ctx();
        let org = db.org("Acme", None).await;
        let v0 = db.version().await;
        let p = project(&db, org.id, "Algebra").await;
        let q = project(&db, org.id, "Biology").await;
        assert!(
            db.version().await > v0,
            "creating a project bumps the access version"
        );
        assert_eq!(db.audits("project.create").await, 2);

        // The snapshot's data maps each project to its organization.
        let data = s.load_access().await.unwrap();
        assert!(
            data.projects
                .iter()
                .any(|x| x.id == p.id && x.org_id == org.id)
        );

        let r = db
            .role("custom.tutor", Level::Project, &["projects.view"])
            .await;
        let u = db.user("ann").await;
        db.assign(u.id, r.id, ScopeRef::Project(p.id)).await;
        db.assign(u.id, r.id, ScopeRef::Project(q.id)).await;
        s.add_override(
            &c,
            grant(
                u.id,
                "projects.view",
                ScopeRef::Project(p.id),
                OverrideEffect::Deny,
            ),
        )
        .await
        .unwrap();
        // Stored with the project's organization (so the organization's deletion takes them).
        assert_eq!(
            db.count("role_assignments", &format!("org_id = '{}'", org.id))
                .await,
            2
        );
        // An unknown project is not found, and nothing is written.
        let e = s
            .add_assignment(
                &c,
                assignment(u.id, r.id, ScopeRef::Project(ProjectId::generate()), None),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, SE::NotFound("project")), "{e:?}");

        // Stale version.
        let e = s
            .update_project(&c, p.id, Some(7), ProjectPatch::default())
            .await
            .unwrap_err();
        assert!(matches!(e, SE::Stale), "{e:?}");

        // Deleting the project deletes what was given at its scope, in one transaction.
        let v1 = db.version().await;
        let d = s.delete_project(&c, p.id).await.unwrap();
        assert_eq!((d.assignments, d.overrides), (1, 1));
        assert!(db.version().await > v1);
        assert_eq!(db.count("role_assignments", "").await, 1);
        assert_eq!(db.count("permission_overrides", "").await, 0);
        assert!(s.get_project(p.id).await.unwrap().is_none());
        assert_eq!(db.audits("project.delete").await, 1);

        // The organization's preview counts its projects; its deletion takes them all.
        assert_eq!(s.org_delete_preview(org.id).await.unwrap().projects, 1);
        s.delete_org(&c, org.id).await.unwrap();
        assert!(s.get_project(q.id).await.unwrap().is_none());
        assert_eq!(db.count("role_assignments", "").await, 0);
        let page = s
            .list_projects(org.id, &PageRequest::first(10))
            .await
            .unwrap();
        assert!(page.items.is_empty());
    }
);
