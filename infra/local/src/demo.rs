//! The demo users of the embedded default, one per role, and their relationships.

use tutorbridge_app::Store;
use tutorbridge_app::access::AccessService;
use tutorbridge_domain::{Relationship, Role, UserId};

/// A seeded user the local issuer signs tokens for.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub id: &'static str,
    pub email: &'static str,
    pub role: Role,
}

/// One user per role; the tutor is assigned to the student and the parent linked to them.
pub const DEMO_USERS: [DemoUser; 4] = [
    DemoUser {
        id: "demo-student",
        email: "student@tutorbridge.local",
        role: Role::Student,
    },
    DemoUser {
        id: "demo-tutor",
        email: "tutor@tutorbridge.local",
        role: Role::Tutor,
    },
    DemoUser {
        id: "demo-parent",
        email: "parent@tutorbridge.local",
        role: Role::Parent,
    },
    DemoUser {
        id: "demo-admin",
        email: "admin@tutorbridge.local",
        role: Role::Admin,
    },
];

fn id(raw: &str) -> anyhow::Result<UserId> {
    Ok(UserId::parse(raw)?)
}

/// Seed the demo curriculum and the demo relationships (both idempotent).
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let guidelines = tutorbridge_app::seed::ensure_demo_curriculum(store).await?;
    tutorbridge_app::seed::ensure_demo_bank(store).await?;
    let access = AccessService::new(store.clone());
    let student = id("demo-student")?;
    access
        .link(Relationship::Tutor, &id("demo-tutor")?, &student)
        .await?;
    access
        .link(Relationship::Parent, &id("demo-parent")?, &student)
        .await?;
    // Profiles with their emails, as Cognito's confirmation trigger makes them in AWS (so an
    // escalation can email the demo tutor before the tutor has signed in).
    let profiles = tutorbridge_app::people::ProfileService::new(store.clone());
    for user in &DEMO_USERS {
        profiles.confirmed(&id(user.id)?, Some(user.email)).await?;
    }
    Ok(guidelines)
}
