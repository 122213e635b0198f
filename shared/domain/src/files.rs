//! Files: what may be uploaded (types per purpose, size caps) and names that cannot reach
//! outside their folder.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

crate::id::text_id!(
    /// A file's id: 1-64 letters and digits.
    FileId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric(),
    message = "a file id is 1-64 letters and digits"
);

/// What a file is for; each purpose has its own types and size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Study material: PDF, plain text, Markdown or an image; at most 20 MB.
    Material,
    /// A profile picture: PNG or JPEG; at most 2 MB.
    Avatar,
    /// A live session's transcript staged by the Rails app: JSON; at most 256 KiB.
    Transcript,
}

/// Bytes in a megabyte, as the caps are stated.
const MB: u64 = 1024 * 1024;

impl Purpose {
    /// The largest file of this purpose.
    pub fn max_bytes(self) -> u64 {
        match self {
            Purpose::Material => 20 * MB,
            Purpose::Avatar => 2 * MB,
            Purpose::Transcript => 256 * 1024,
        }
    }

    /// The content types this purpose accepts.
    pub fn content_types(self) -> &'static [&'static str] {
        match self {
            Purpose::Material => &[
                "application/pdf",
                "text/plain",
                "text/markdown",
                "image/png",
                "image/jpeg",
            ],
            Purpose::Avatar => &["image/png", "image/jpeg"],
            Purpose::Transcript => &["application/json"],
        }
    }

    /// The key folder of this purpose's objects.
    pub fn folder(self) -> &'static str {
        match self {
            Purpose::Material => "materials",
            Purpose::Avatar => "avatars",
            Purpose::Transcript => "transcripts",
        }
    }
}

/// Longest file name.
pub const MAX_FILE_NAME: usize = 200;

/// A file name as the uploader gave it: no path separators, no `..`, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct FileName(String);

impl FileName {
    /// # Errors
    /// An empty or over-long name, or one with `/`, `\`, `..`, or a control character.
    pub fn parse(raw: &str) -> Result<FileName, ValidationError> {
        let name = raw.trim();
        if name.is_empty()
            || name.chars().count() > MAX_FILE_NAME
            || name.contains(['/', '\\'])
            || name.contains("..")
            || name.chars().any(char::is_control)
        {
            return Err(ValidationError::new(format!(
                "name: 1-{MAX_FILE_NAME} characters, without '/', '\\\\', '..' or control characters"
            )));
        }
        Ok(FileName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FileName {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        FileName::parse(&raw)
    }
}

impl From<FileName> for String {
    fn from(name: FileName) -> String {
        name.0
    }
}

/// A checked upload: a purpose's type and within its cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSpec {
    pub purpose: Purpose,
    pub name: FileName,
    /// The media type, lower-cased, without parameters.
    pub content_type: String,
    pub size: u64,
}

impl UploadSpec {
    /// # Errors
    /// A type the purpose does not take, or a size of 0 or over its cap (naming the field).
    pub fn new(
        purpose: Purpose,
        name: FileName,
        content_type: &str,
        size: u64,
    ) -> Result<UploadSpec, ValidationError> {
        let content_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !purpose.content_types().contains(&content_type.as_str()) {
            return Err(ValidationError::new(format!(
                "content_type: a {} is one of {}",
                purpose.folder().trim_end_matches('s'),
                purpose.content_types().join(", ")
            )));
        }
        if size == 0 || size > purpose.max_bytes() {
            return Err(ValidationError::new(format!(
                "size: 1 to {} bytes for this purpose",
                purpose.max_bytes()
            )));
        }
        Ok(UploadSpec {
            purpose,
            name,
            content_type,
            size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_climb_out_of_their_folder() {
        assert!(FileName::parse("fractions worksheet.pdf").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "a/b.pdf",
            "a\\b.pdf",
            "x\u{0}.pdf",
            "..",
            &"x".repeat(300),
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn each_purpose_has_its_types_and_cap() {
        let name = || FileName::parse("a.pdf").unwrap();
        assert!(UploadSpec::new(Purpose::Material, name(), "application/pdf", 1000).is_ok());
        assert!(UploadSpec::new(Purpose::Material, name(), "Application/PDF; x=y", 1000).is_ok());
        let wrong = UploadSpec::new(Purpose::Avatar, name(), "application/pdf", 1000);
        assert!(wrong.unwrap_err().0.contains("content_type"));
        let big = UploadSpec::new(Purpose::Avatar, name(), "image/png", 3 * MB);
        assert!(big.unwrap_err().0.contains("size"));
        assert!(UploadSpec::new(Purpose::Material, name(), "text/html", 10).is_err());
        assert!(UploadSpec::new(Purpose::Material, name(), "text/plain", 0).is_err());
    }
}
