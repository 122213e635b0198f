//! The S3 adapter of the FileStore port against the AWS emulator: presigned POST (the signed
//! policy's conditions are asserted, since the emulator does not enforce them), a browser-style
//! upload through it, head, get, presigned GET, put and delete.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tutorbridge_app::file_store::FileStore;
use tutorbridge_aws::s3::S3FileStore;
use tutorbridge_tests::backends::unique;

#[tokio::test]
async fn an_upload_through_a_presigned_post_is_stored_and_downloadable() {
    let sdk = tutorbridge_aws::emulator::config();
    let bucket = unique("files");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    let endpoint = tutorbridge_aws::emulator::endpoint();
    let store = S3FileStore::new(&sdk, &bucket);
    let key = "materials/stu-1/01abc";

    let post = store
        .presign_post(key, "application/pdf", 2048, Duration::from_secs(600))
        .await
        .expect("presign");
    assert_eq!(post.url, format!("{endpoint}/{bucket}"));
    assert_eq!(post.fields["key"], key);
    assert_eq!(post.fields["Content-Type"], "application/pdf");
    assert_eq!(post.fields["x-amz-signature"].len(), 64);
    let policy: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(&post.fields["policy"])
            .expect("base64 policy"),
    )
    .expect("json policy");
    let conditions = policy["conditions"].as_array().expect("conditions");
    for expected in [
        json!(["eq", "$key", key]),
        json!(["eq", "$Content-Type", "application/pdf"]),
        json!(["content-length-range", 1, 2048]),
        json!({ "bucket": bucket }),
    ] {
        assert!(conditions.contains(&expected), "{expected} in {policy}");
    }
    assert!(
        policy["expiration"]
            .as_str()
            .is_some_and(|e| e.ends_with('Z'))
    );

    // A browser's upload: the fields, then the file.
    let body = b"%PDF-1.4 a tiny test file".to_vec();
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in &post.fields {
        form = form.text(name.clone(), value.clone());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(body.clone())
            .file_name("worksheet.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let client = reqwest::Client::new();
    let uploaded = client
        .post(&post.url)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert!(uploaded.status().is_success(), "{}", uploaded.status());

    let head = store.head(key).await.expect("head").expect("stored");
    assert_eq!(head.size, body.len() as u64);
    assert_eq!(head.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(store.get(key).await.expect("get"), Some(body.clone()));
    let url = store
        .presign_get(key, Duration::from_secs(60))
        .await
        .expect("presign get");
    let downloaded = client.get(&url).send().await.expect("download");
    assert_eq!(downloaded.bytes().await.expect("bytes").to_vec(), body);

    store
        .put("transcripts/r-1.json", b"{}".to_vec(), "application/json")
        .await
        .expect("put");
    assert_eq!(
        store
            .head("transcripts/r-1.json")
            .await
            .expect("head")
            .map(|o| o.size),
        Some(2)
    );
    store.delete(key).await.expect("delete");
    assert_eq!(store.head(key).await.expect("head"), None);
    assert_eq!(store.get(key).await.expect("get"), None);
    store.delete(key).await.expect("deleting nothing is fine");
}
