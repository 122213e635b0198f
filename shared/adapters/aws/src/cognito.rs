//! The Directory port on a Cognito user pool: AdminCreateUser (Cognito emails the invitation)
//! and AdminAddUserToGroup for the role.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, DeliveryMediumType};
use tutorbridge_app::directory::{Directory, DirectoryError, Email};
use tutorbridge_domain::{Role, UserId};

/// The variable naming the user pool.
pub const USER_POOL_VAR: &str = "TUTORBRIDGE_USER_POOL_ID";

/// Users in a Cognito user pool.
pub struct CognitoDirectory {
    client: Client,
    pool_id: String,
}

impl CognitoDirectory {
    pub fn new(client: Client, pool_id: impl Into<String>) -> Self {
        CognitoDirectory {
            client,
            pool_id: pool_id.into(),
        }
    }
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> DirectoryError {
    DirectoryError::Unavailable(DisplayErrorContext(error).to_string())
}

fn attribute(name: &str, value: &str) -> Result<AttributeType, DirectoryError> {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .map_err(unavailable)
}

#[async_trait]
impl Directory for CognitoDirectory {
    async fn invite(&self, email: &Email, role: Role) -> Result<UserId, DirectoryError> {
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(email.as_str())
            .user_attributes(attribute("email", email.as_str())?)
            .user_attributes(attribute("email_verified", "true")?)
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await;
        let user = match created {
            Ok(output) => output.user,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_username_exists_exception()) =>
            {
                return Err(DirectoryError::Exists);
            }
            Err(error) => return Err(unavailable(error)),
        };
        let sub = user
            .and_then(|user| user.attributes)
            .unwrap_or_default()
            .into_iter()
            .find(|attribute| attribute.name == "sub")
            .and_then(|attribute| attribute.value)
            .ok_or_else(|| DirectoryError::Unavailable("the new user has no sub".into()))?;
        self.client
            .admin_add_user_to_group()
            .user_pool_id(&self.pool_id)
            .username(email.as_str())
            .group_name(role.group())
            .send()
            .await
            .map_err(unavailable)?;
        UserId::parse(&sub).map_err(|e| DirectoryError::Unavailable(e.to_string()))
    }
}
