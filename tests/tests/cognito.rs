//! Real Cognito-issued tokens (from the AWS emulator's user pool, signed RS256, verified against
//! its JWKS) accepted and refused by the gateway's JWT authorizer exactly as API Gateway would.

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType,
};
use reqwest::StatusCode;
use tutorbridge_local::{IssuerConfig, system_clock};
use tutorbridge_tests::{Options, TestApp};

const PASSWORD: &str = "Correct-Horse-Battery-9";
const LISTING: &str = "/curriculum?country=India&board=CBSE&grade=3";

struct Pool {
    issuer: String,
    jwks_url: String,
    client_id: String,
    other_client_id: String,
    cognito: Client,
}

impl Pool {
    /// A user pool with a `student` group, two app clients and a user in the group.
    async fn create() -> Pool {
        let endpoint = tutorbridge_aws::emulator::endpoint();
        let cognito = Client::new(&tutorbridge_aws::emulator::config());
        let pool = cognito
            .create_user_pool()
            .pool_name("tutorbridge-test")
            .send()
            .await
            .expect("create pool");
        let pool_id = pool.user_pool.and_then(|p| p.id).expect("pool id");
        let mut client_ids = Vec::new();
        for name in ["web", "other-app"] {
            let client = cognito
                .create_user_pool_client()
                .user_pool_id(&pool_id)
                .client_name(name)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
                .send()
                .await
                .expect("create app client");
            client_ids.push(
                client
                    .user_pool_client
                    .and_then(|c| c.client_id)
                    .expect("client id"),
            );
        }
        cognito
            .create_group()
            .user_pool_id(&pool_id)
            .group_name("student")
            .send()
            .await
            .expect("group");
        let email = AttributeType::builder()
            .name("email")
            .value("maya@example.com")
            .build()
            .expect("attribute");
        cognito
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username("maya")
            .user_attributes(email)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("create user");
        cognito
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username("maya")
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .expect("set password");
        cognito
            .admin_add_user_to_group()
            .user_pool_id(&pool_id)
            .username("maya")
            .group_name("student")
            .send()
            .await
            .expect("add to group");
        let other_client_id = client_ids.pop().expect("second client");
        let client_id = client_ids.pop().expect("first client");
        Pool {
            issuer: format!("https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"),
            jwks_url: format!("{endpoint}/{pool_id}/.well-known/jwks.json"),
            client_id,
            other_client_id,
            cognito,
        }
    }

    /// Sign in with USER_PASSWORD_AUTH through `client_id`: (ID token, access token).
    async fn sign_in(&self, client_id: &str) -> (String, String) {
        let result = self
            .cognito
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "maya")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in")
            .authentication_result
            .expect("tokens");
        (
            result.id_token.expect("id token"),
            result.access_token.expect("access token"),
        )
    }

    /// A gateway trusting this pool's `web` client; `skew` seconds added to its clock.
    async fn gateway(&self, skew: u64) -> TestApp {
        let clock = system_clock();
        TestApp::spawn_with(Options {
            issuer: IssuerConfig::External {
                issuer: self.issuer.clone(),
                jwks_url: self.jwks_url.clone(),
                audience: self.client_id.clone(),
            },
            clock: Arc::new(move || clock() + skew),
            ..Options::default()
        })
        .await
    }
}

#[tokio::test]
async fn cognito_id_and_access_tokens_from_the_emulator_are_accepted() {
    let pool = Pool::create().await;
    let app = pool.gateway(0).await;
    let (id_token, access_token) = pool.sign_in(&pool.client_id).await;
    for token in [&id_token, &access_token] {
        let (status, body) = app.get(LISTING, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["subjects"].is_array());
    }
}

#[tokio::test]
async fn a_tampered_cognito_token_is_refused() {
    let pool = Pool::create().await;
    let app = pool.gateway(0).await;
    let (id_token, _) = pool.sign_in(&pool.client_id).await;
    // Change the payload (a claim) but keep the original signature.
    let mut parts: Vec<String> = id_token.split('.').map(str::to_string).collect();
    // A middle character: every one of its bits is significant (the last one may be padding).
    let mut payload = parts[1].clone().into_bytes();
    let middle = payload.len() / 2;
    payload[middle] = if payload[middle] == b'A' { b'B' } else { b'A' };
    parts[1] = String::from_utf8(payload).expect("base64 text");
    let tampered = parts.join(".");
    let (status, body) = app.get(LISTING, Some(&tampered)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn an_expired_cognito_token_is_refused() {
    let pool = Pool::create().await;
    let (id_token, _) = pool.sign_in(&pool.client_id).await;
    // The emulator's tokens live one hour; two hours later they must be refused.
    let later = pool.gateway(2 * 3600).await;
    let (status, _) = later.get(LISTING, Some(&id_token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let now = pool.gateway(0).await;
    assert_eq!(
        now.get(LISTING, Some(&id_token)).await.0,
        StatusCode::OK,
        "control: the same token is fine now"
    );
}

#[tokio::test]
async fn a_token_for_another_app_client_is_refused() {
    let pool = Pool::create().await;
    let app = pool.gateway(0).await;
    let (id_token, access_token) = pool.sign_in(&pool.other_client_id).await;
    for token in [&id_token, &access_token] {
        let (status, _) = app.get(LISTING, Some(token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

/// Inviting users through the Directory port on the emulator's Cognito: the user is created in
/// the pool and put in their role's group, their `sub` becomes their id, a second invitation of
/// the same email is refused; the use case stores the profile, the link and the audit entry in
/// DynamoDB.
#[tokio::test]
async fn admins_invite_users_into_the_emulators_pool() {
    use tutorbridge_app::directory::{Directory, DirectoryError, Email};
    use tutorbridge_app::people::admin::{Invitation, PeopleService};
    use tutorbridge_aws::cognito::CognitoDirectory;
    use tutorbridge_domain::{Access, Role};
    use tutorbridge_tests::backends::{caller, dynamodb, unique};

    let cognito = Client::new(&tutorbridge_aws::emulator::config());
    let pool_id = cognito
        .create_user_pool()
        .pool_name(unique("invites"))
        .send()
        .await
        .expect("pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    for group in ["student", "tutor", "parent", "admin"] {
        cognito
            .create_group()
            .user_pool_id(&pool_id)
            .group_name(group)
            .send()
            .await
            .expect("group");
    }
    let directory = CognitoDirectory::new(cognito.clone(), &pool_id);
    let email = Email::parse(&format!("{}@example.com", unique("tutor"))).expect("email");
    let tutor = directory
        .invite(&email, Role::Tutor)
        .await
        .expect("invited");
    let user = cognito
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username(email.as_str())
        .send()
        .await
        .expect("the user is in the pool");
    let sub = user
        .user_attributes
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.name == "sub")
        .and_then(|a| a.value);
    assert_eq!(sub.as_deref(), Some(tutor.as_str()));
    let groups = cognito
        .admin_list_groups_for_user()
        .user_pool_id(&pool_id)
        .username(email.as_str())
        .send()
        .await
        .expect("groups");
    let names: Vec<String> = groups
        .groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.group_name)
        .collect();
    assert_eq!(names, vec!["tutor".to_string()]);
    assert!(matches!(
        directory.invite(&email, Role::Tutor).await,
        Err(DirectoryError::Exists)
    ));

    // The use case over DynamoDB: profile, link and audit in one transaction; 409 for a taken
    // email.
    let store = dynamodb().await;
    let people = PeopleService::new(store.clone());
    let admin = caller("root", Role::Admin);
    let student = caller(&unique("stu"), Role::Student);
    let invited = people
        .invite(
            &admin,
            &directory,
            &Invitation {
                email: format!("{}@example.com", unique("parent")),
                role: Role::Parent,
                student: Some(student.user_id.clone()),
            },
        )
        .await
        .expect("invited");
    assert_eq!(invited.audit.action, "user.invite");
    let parent = caller(invited.user_id.as_str(), Role::Parent);
    tutorbridge_app::access::AccessService::new(store.clone())
        .authorize(&parent, &student.user_id, Access::Read)
        .await
        .expect("the new parent sees the child");
    let profile = tutorbridge_app::people::ProfileService::new(store)
        .profile(&invited.user_id)
        .await
        .expect("read")
        .expect("the profile exists");
    assert_eq!(profile.roles, vec![Role::Parent]);
    let again = people
        .invite(
            &admin,
            &directory,
            &Invitation {
                email: email.as_str().to_string(),
                role: Role::Student,
                student: None,
            },
        )
        .await;
    assert!(
        matches!(again, Err(tutorbridge_app::AppError::Conflict(_))),
        "{again:?}"
    );
}
