//! Text ids that may enter table keys: a newtype per id, parsed once at the boundary, holding
//! only characters that can never forge a `#`-separated key.

/// Declare a text id newtype: `parse` (1..=`max` characters, each satisfying `allowed`),
/// `as_str`, `Display`, and serde as a plain string that is validated on the way in.
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, allowed = $allowed:expr, message = $message:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parse an id from outside.
            ///
            /// # Errors
            /// A `ValidationError` saying what the id must look like.
            pub fn parse(raw: &str) -> Result<Self, $crate::ValidationError> {
                let allowed: fn(char) -> bool = $allowed;
                if !raw.is_empty() && raw.len() <= $max && raw.chars().all(allowed) {
                    Ok($name(raw.to_string()))
                } else {
                    Err($crate::ValidationError::new($message))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                $name::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use text_id;
