//! The Cognito post-confirmation trigger: creates the confirmed user's profile. It returns the
//! event unchanged (Cognito requires it) and is idempotent (Cognito may call it again). A table
//! failure is logged, not raised: failing the trigger would fail the user's sign-up, and the
//! profile is also created on the user's first request.

use aws_lambda_events::cognito::CognitoEventUserPoolsPostConfirmation;
use tutorbridge_app::Ports;
use tutorbridge_app::people::ProfileService;
use tutorbridge_domain::UserId;

/// The trigger's event.
pub type Event = CognitoEventUserPoolsPostConfirmation;

/// Built once per cold start.
#[derive(Clone)]
pub struct ProfileCreated {
    profiles: ProfileService,
}

impl ProfileCreated {
    pub fn new(ports: impl Into<Ports>) -> Self {
        ProfileCreated {
            profiles: ProfileService::new(ports),
        }
    }

    /// Create the profile of the user the event confirms; the event, unchanged.
    pub async fn handle(&self, event: Event) -> Event {
        let attributes = &event.request.user_attributes;
        let sub = attributes
            .get("sub")
            .cloned()
            .or_else(|| event.cognito_event_user_pools_header.user_name.clone());
        match sub.as_deref().map(UserId::parse) {
            Some(Ok(user)) => {
                let email = attributes.get("email").map(String::as_str);
                match self.profiles.confirmed(&user, email).await {
                    Ok(created) => tracing::info!(user = %user, created, "profile on confirmation"),
                    Err(error) => {
                        tracing::error!(user = %user, error = %error, "profile not created; it will be on first use")
                    }
                }
            }
            _ => tracing::warn!("a confirmation without a usable user id"),
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tutorbridge_app::Store;
    use tutorbridge_domain::{Caller, Role};
    use tutorbridge_embedded_table::EmbeddedTable;

    use super::*;

    fn event() -> Event {
        let text = std::fs::read_to_string(format!(
            "{}/../../events/profile-created/post-confirmation.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("event file");
        serde_json::from_str(&text).expect("a Cognito post-confirmation event")
    }

    #[tokio::test]
    async fn the_profile_is_created_once_and_the_event_returned_unchanged() {
        let store: Store = Arc::new(EmbeddedTable::temporary());
        let trigger = ProfileCreated::new(store.clone());
        let incoming = event();
        let returned = trigger.handle(incoming.clone()).await;
        assert_eq!(
            serde_json::to_value(&returned).expect("json"),
            serde_json::to_value(&incoming).expect("json")
        );
        // Called again (Cognito retries): nothing changes.
        trigger.handle(event()).await;
        let user = UserId::parse("3f1c22ab-4d5e-4f60-8a7b-9c0d1e2f3a4b").expect("id");
        let me = ProfileService::new(store)
            .me(&Caller {
                user_id: user,
                roles: [Role::Student].into(),
                email: None,
            })
            .await
            .expect("profile");
        assert_eq!(me.profile.email.as_deref(), Some("ada@example.com"));
        assert_eq!(me.profile.display_name, "ada");
        assert_eq!(
            me.profile.roles,
            vec![Role::Student],
            "roles follow the token's groups"
        );
    }
}
