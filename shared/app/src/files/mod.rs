//! Uploads and files: a user asks to upload (a purpose's type, within its cap), uploads
//! straight to the file store through a presigned form, and completes the upload — which checks
//! the stored object really has the declared size and type before the file becomes `ready`.
//! Ready files are read through short-lived presigned downloads by their owner and the people
//! allowed to see that student.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tutorbridge_domain::files::{FileId, FileName, Purpose, UploadSpec};
use tutorbridge_domain::{Access, Caller, UserId};
use tutorbridge_table::{Condition, Index, Key, Query, SortKeyCondition, TableError, WriteOp};

use crate::access::AccessService;
use crate::file_store::{FileStore, PresignedPost};
use crate::keys::{self, entity};
use crate::records::{Record, query_page, versioned};
use crate::{AppError, Ports};

/// How long an upload form may be used.
pub const UPLOAD_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a pending file may be completed; after that it has lapsed, and the sweep removes it
/// and its object.
pub const PENDING_LIFETIME: Duration = Duration::from_secs(3600);
/// How long after lapsing the table's TTL removes a pending file's item should the sweep not
/// have run (its object is then left to the bucket's lifecycle rule).
pub const LAPSED_GRACE: Duration = Duration::from_secs(24 * 3600);
/// How long a download URL works.
pub const DOWNLOAD_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Where a file is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Pending,
    Ready,
}

/// A file's metadata (`USER#<owner>` / `FILE#<id>`; GSI1 `FILE#<id>` finds it by id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileRecord {
    pub file_id: FileId,
    pub owner: UserId,
    pub purpose: Purpose,
    pub name: FileName,
    pub content_type: String,
    pub size: u64,
    pub status: FileStatus,
    pub created_at: String,
    /// Seconds since the epoch when a pending file lapses; absent once ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_until: Option<u64>,
    #[serde(default)]
    pub version: u64,
}

impl FileRecord {
    fn object_key(&self) -> String {
        keys::object(self.purpose, &self.owner, &self.file_id)
    }
}

impl Record for FileRecord {
    const ENTITY: &'static str = entity::FILE;

    fn key(&self) -> Key {
        keys::file(&self.owner, &self.file_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::file_entry(&self.file_id))
    }

    fn gsi2(&self) -> Option<(String, String)> {
        self.pending_until
            .map(|at| keys::lapsing_upload(at, &self.file_id))
    }

    fn expires_at(&self) -> Option<u64> {
        self.pending_until.map(|at| at + LAPSED_GRACE.as_secs())
    }
}

/// `POST /uploads`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub purpose: Purpose,
    #[schema(value_type = String, max_length = 200)]
    pub name: FileName,
    #[schema(max_length = 100)]
    pub content_type: String,
    /// Bytes.
    pub size: u64,
}

/// The answer to `POST /uploads`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Upload {
    pub file: FileRecord,
    /// POST the file here (multipart form: these fields, then the file as `file`), then
    /// `POST /uploads/{id}/complete`.
    pub upload: PresignedPost,
}

/// The answer to `GET /files/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub file: FileRecord,
    /// A download URL, valid for five minutes (ready files only).
    pub download_url: Option<String>,
}

/// Files.
#[derive(Clone)]
pub struct FileService {
    ports: Ports,
    access: AccessService,
    files: Arc<dyn FileStore>,
}

fn store_failed(error: crate::file_store::FileStoreError) -> AppError {
    AppError::internal(error)
}

impl FileService {
    pub fn new(ports: impl Into<Ports>, files: Arc<dyn FileStore>) -> Self {
        let ports = ports.into();
        FileService {
            access: AccessService::new(ports.store.clone()),
            ports,
            files,
        }
    }

    /// Start an upload for the caller: the pending file and a presigned form for exactly its
    /// key, type and size.
    ///
    /// # Errors
    /// `Invalid` for a type the purpose does not take, a size over its cap, or the transcript
    /// purpose (the webhook's).
    pub async fn start(&self, caller: &Caller, request: UploadRequest) -> Result<Upload, AppError> {
        if request.purpose == Purpose::Transcript {
            return Err(AppError::Invalid(
                "purpose: material or avatar (transcripts come from the webhook)".into(),
            ));
        }
        let spec = UploadSpec::new(
            request.purpose,
            request.name,
            &request.content_type,
            request.size,
        )?;
        let now = self.ports.clock.now();
        let file = FileRecord {
            file_id: FileId::parse(&self.ports.ids.lower())?,
            owner: caller.user_id.clone(),
            purpose: spec.purpose,
            name: spec.name,
            content_type: spec.content_type,
            size: spec.size,
            status: FileStatus::Pending,
            created_at: now.to_string(),
            pending_until: Some(now.as_second().max(0) as u64 + PENDING_LIFETIME.as_secs()),
            version: 1,
        };
        let upload = self
            .files
            .presign_post(
                &file.object_key(),
                &file.content_type,
                file.size,
                UPLOAD_WINDOW,
            )
            .await
            .map_err(store_failed)?;
        self.ports
            .store
            .put(file.to_item()?, Condition::NotExists)
            .await?;
        Ok(Upload { file, upload })
    }

    async fn find(&self, id: &FileId) -> Result<FileRecord, AppError> {
        let query = Query::partition(Index::Gsi1, keys::file_entry(id).0).limit(1);
        query_page::<FileRecord>(&self.ports.store, &query)
            .await?
            .0
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(format!("no file '{id}'")))
    }

    /// Finish an upload: the stored object must exist with the declared size and type.
    ///
    /// # Errors
    /// `NotFound` unless the caller owns the file; `Gone` once the upload lapsed; `Conflict` when nothing was uploaded yet;
    /// `Invalid` when the object's size or type differs from the declaration (the file stays
    /// pending).
    pub async fn complete(&self, caller: &Caller, id: &FileId) -> Result<FileRecord, AppError> {
        let mut file = self.find(id).await?;
        if file.owner != caller.user_id {
            return Err(AppError::NotFound(format!("no file '{id}'")));
        }
        if file.status == FileStatus::Ready {
            return Ok(file);
        }
        let now = self.ports.clock.now().as_second().max(0) as u64;
        if file.pending_until.is_some_and(|until| now > until) {
            return Err(AppError::Gone(
                "this upload lapsed (not completed within an hour); start a new one".into(),
            ));
        }
        let stored = self
            .files
            .head(&file.object_key())
            .await
            .map_err(store_failed)?
            .ok_or_else(|| AppError::Conflict("nothing was uploaded for this file yet".into()))?;
        if stored.size != file.size {
            return Err(AppError::Invalid(format!(
                "the uploaded file is {} bytes, not the declared {}",
                stored.size, file.size
            )));
        }
        let stored_type = stored.content_type.unwrap_or_default().to_ascii_lowercase();
        if stored_type.split(';').next().unwrap_or_default().trim() != file.content_type {
            return Err(AppError::Invalid(format!(
                "the uploaded file is {stored_type}, not the declared {}",
                file.content_type
            )));
        }
        let version = file.version;
        file.status = FileStatus::Ready;
        file.pending_until = None;
        file.version += 1;
        self.ports
            .store
            .put(file.to_item()?, versioned(version))
            .await?;
        Ok(file)
    }

    /// A file's metadata and, when ready, a download URL: for its owner and the people allowed
    /// to see them.
    ///
    /// # Errors
    /// `NotFound` for an unknown file or one the caller may not see.
    pub async fn get(&self, caller: &Caller, id: &FileId) -> Result<FileView, AppError> {
        let file = self.find(id).await?;
        match self
            .access
            .authorize(caller, &file.owner, Access::Read)
            .await
        {
            Err(AppError::NotFound(_)) => {
                return Err(AppError::NotFound(format!("no file '{id}'")));
            }
            other => other?,
        }
        let download_url = match file.status {
            FileStatus::Ready => Some(
                self.files
                    .presign_get(&file.object_key(), DOWNLOAD_WINDOW)
                    .await
                    .map_err(store_failed)?,
            ),
            FileStatus::Pending => None,
        };
        Ok(FileView { file, download_url })
    }

    /// Delete a file and its object: its owner, or someone who may write for them.
    ///
    /// # Errors
    /// `NotFound` for an unknown file or one the caller may not change.
    pub async fn delete(&self, caller: &Caller, id: &FileId) -> Result<(), AppError> {
        let file = self.find(id).await?;
        match self
            .access
            .authorize(caller, &file.owner, Access::Write)
            .await
        {
            Err(AppError::NotFound(_)) => {
                return Err(AppError::NotFound(format!("no file '{id}'")));
            }
            other => other?,
        }
        self.files
            .delete(&file.object_key())
            .await
            .map_err(store_failed)?;
        match self
            .ports
            .store
            .transact_write(vec![WriteOp::Delete {
                key: file.key(),
                condition: Condition::None,
            }])
            .await
        {
            Ok(()) | Err(TableError::Conflict(_)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Remove up to `max` uploads that lapsed (never completed within [`PENDING_LIFETIME`]):
    /// the object first, then the item (only if still that pending version), so a failure
    /// leaves the item for the next sweep. Returns how many were removed.
    ///
    /// # Errors
    /// The table's and the file store's.
    pub async fn remove_lapsed(&self, max: u32) -> Result<u32, AppError> {
        let now = self.ports.clock.now().as_second().max(0) as u64;
        let query = Query::partition(Index::Gsi2, keys::LAPSING_UPLOADS)
            .sort(SortKeyCondition::LessOrEqual(keys::lapsed_by(now)))
            .limit(max);
        let (lapsed, _) = query_page::<FileRecord>(&self.ports.store, &query).await?;
        let mut removed = 0;
        for file in lapsed {
            self.files
                .delete(&file.object_key())
                .await
                .map_err(store_failed)?;
            let delete = WriteOp::Delete {
                key: file.key(),
                condition: versioned(file.version),
            };
            match self.ports.store.transact_write(vec![delete]).await {
                Ok(()) => removed += 1,
                // Changed since it was read (it cannot have been completed: it lapsed).
                Err(TableError::Conflict(_)) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(removed)
    }
}
