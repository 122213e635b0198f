//! `/local/objects`: the local FileStore's presigned URLs, served. A POST is a browser's
//! multipart upload form (the signed fields, then the file); a GET a signed download. Every
//! field is checked against the signature, and the file against the signed type and size, before
//! anything is stored.

use std::collections::HashMap;

use axum::body::Body as AxumBody;
use axum::response::Response as AxumResponse;
use futures_util::StreamExt;
use http::request::Parts;
use http::{Method, StatusCode, header};

use crate::files::{LocalFileStore, SignedForm};
use tutorbridge_app::file_store::FileStore;

/// Room for the form's fields beside the file.
const FORM_OVERHEAD: u64 = 64 * 1024;

fn answer(status: StatusCode, message: &str) -> AxumResponse {
    AxumResponse::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(AxumBody::from(message.to_string()))
        .unwrap_or_default()
}

/// Serve an object request; `None` when the path is not an object route.
pub async fn serve(store: &LocalFileStore, parts: &Parts, body: AxumBody) -> Option<AxumResponse> {
    let path = parts.uri.path();
    if path == "/local/objects" && parts.method == Method::POST {
        return Some(upload(store, parts, body).await);
    }
    let key = path.strip_prefix("/local/objects/")?;
    if parts.method != Method::GET {
        return Some(answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET a signed download URL",
        ));
    }
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let expires = query.get("expires").and_then(|e| e.parse::<u64>().ok());
    let signature = query
        .get("signature")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(expires) = expires.filter(|e| store.accepts_download(key, *e, signature)) else {
        return Some(answer(
            StatusCode::FORBIDDEN,
            "the download URL is not valid (or expired)",
        ));
    };
    Some(match (store.head(key).await, store.get(key).await) {
        (Ok(Some(head)), Ok(Some(bytes))) => AxumResponse::builder()
            .header(
                header::CONTENT_TYPE,
                head.content_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
            )
            .header(
                header::CACHE_CONTROL,
                format!(
                    "private, max-age={}",
                    expires.saturating_sub(tutorbridge_table::now_epoch_seconds())
                ),
            )
            .body(AxumBody::from(bytes))
            .unwrap_or_default(),
        (Ok(None), _) | (_, Ok(None)) => answer(StatusCode::NOT_FOUND, "no such object"),
        _ => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the object could not be read",
        ),
    })
}

async fn upload(store: &LocalFileStore, parts: &Parts, body: AxumBody) -> AxumResponse {
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        return answer(
            StatusCode::BAD_REQUEST,
            "send the form as multipart/form-data",
        );
    };
    let mut form = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut read_fields = 0u64;
    while let Ok(Some(mut field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let Ok(value) = field.text().await else {
                return answer(StatusCode::BAD_REQUEST, "a form field is not text");
            };
            read_fields += value.len() as u64;
            if read_fields > FORM_OVERHEAD {
                return answer(StatusCode::BAD_REQUEST, "the form's fields are too large");
            }
            fields.insert(name, value);
            continue;
        }
        // The file: only once every signed field is in and checks out.
        let field_of = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
        let (Ok(max_bytes), Ok(expires)) = (
            field_of("x-max-bytes").parse::<u64>(),
            field_of("x-expires").parse::<u64>(),
        ) else {
            return answer(StatusCode::FORBIDDEN, "the form is not a signed upload");
        };
        let signed = SignedForm {
            key: field_of("key"),
            content_type: field_of("Content-Type"),
            max_bytes,
            expires,
        };
        if !store.accepts(&signed, field_of("x-signature")) {
            return answer(
                StatusCode::FORBIDDEN,
                "the upload form is not valid (or expired)",
            );
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else {
                return answer(StatusCode::BAD_REQUEST, "the upload was cut short");
            };
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > max_bytes {
                return answer(
                    StatusCode::BAD_REQUEST,
                    "EntityTooLarge: the file is larger than the form allows",
                );
            }
        }
        if bytes.is_empty() {
            return answer(StatusCode::BAD_REQUEST, "EntityTooSmall: the file is empty");
        }
        return match store.put(signed.key, bytes, signed.content_type).await {
            Ok(()) => AxumResponse::builder()
                .status(StatusCode::NO_CONTENT)
                .body(AxumBody::empty())
                .unwrap_or_default(),
            Err(_) => answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the object could not be stored",
            ),
        };
    }
    answer(StatusCode::BAD_REQUEST, "the form has no file part")
}
