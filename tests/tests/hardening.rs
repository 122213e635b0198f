//! What an attacker tried against the local gateway, replayed: odd `Host` and forwarded
//! headers, slow clients, `/local/*` from other origins, a network bind, file permissions and
//! echoed input. Raw TCP where a well-behaved client library would not send the request.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tutorbridge_tests::{Options, TestApp};

const LISTING: &str = "/curriculum?country=India&board=CBSE&grade=3";
const GUIDELINE: &str = "cbse3-science-plants-parts";

/// Send `head` (request line and headers, without the final blank line) and `body`; the
/// status code, or `None` when the server closed the connection without answering.
async fn raw(app: &TestApp, head: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(app.gateway.addr).await.expect("connect");
    let request = format!("{head}\r\nConnection: close\r\n\r\n{body}");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response));
    read.await
        .expect("the server answers or closes in time")
        .ok()?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace().nth(1)?.parse().ok()
}

async fn get(
    app: &TestApp,
    path: &str,
    host: Option<&str>,
    extra: &str,
    token: &str,
) -> Option<u16> {
    let host = host.map(|h| format!("\r\nHost: {h}")).unwrap_or_default();
    let head = format!("GET {path} HTTP/1.1{host}\r\nAuthorization: Bearer {token}{extra}");
    raw(app, &head, "").await
}

#[tokio::test]
async fn malformed_hosts_are_refused_and_the_gateway_keeps_serving() {
    let app = TestApp::spawn().await;
    let token = app.token("student").await;
    let guideline_host = format!("x/guidelines/{GUIDELINE}?");
    for host in [
        "x:99999",
        "a b",
        "[::1",
        "x:",
        "x:1:2",
        "a@b",
        &guideline_host,
    ] {
        let status = get(&app, LISTING, Some(host), "", &token).await;
        assert_eq!(status, Some(400), "Host: {host}");
    }
    // A forwarded scheme that is not one is ignored; the request is served.
    let status = get(
        &app,
        LISTING,
        Some("127.0.0.1"),
        "\r\nX-Forwarded-Proto: a b",
        &token,
    )
    .await;
    assert_eq!(status, Some(200));
    // A request with no Host (HTTP/1.0) routes by its path like any other.
    let head = format!("GET {LISTING} HTTP/1.0\r\nAuthorization: Bearer {token}");
    assert_eq!(raw(&app, &head, "").await, Some(200));
    // And the gateway is still there.
    let (status, _) = app.get(LISTING, Some(&token)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn local_tokens_are_only_for_loopback_hosts() {
    let app = TestApp::spawn().await;
    let port = app.gateway.addr.port();
    let token_for = async |host: &str| {
        raw(
            &app,
            &format!("GET /local/tokens/admin HTTP/1.1\r\nHost: {host}"),
            "",
        )
        .await
    };
    for host in [
        "evil.example",
        "evil.example:80",
        "10.0.0.7",
        "attacker.localhost.example",
    ] {
        assert_eq!(token_for(host).await, Some(404), "Host: {host}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "[::1]".into(),
    ] {
        assert_eq!(token_for(&host).await, Some(200), "Host: {host}");
    }
}

#[tokio::test]
async fn a_network_bind_needs_an_explicit_setting() {
    let refused = TestApp::try_spawn_with(Options {
        addr: Some("0.0.0.0:0".parse().expect("addr")),
        ..Options::default()
    })
    .await;
    let error = refused.err().expect("0.0.0.0 is refused by default");
    assert!(
        error.to_string().contains("TUTORBRIDGE_ALLOW_REMOTE"),
        "{error}"
    );
    let allowed = TestApp::spawn_with(Options {
        addr: Some("0.0.0.0:0".parse().expect("addr")),
        allow_remote: true,
        ..Options::default()
    })
    .await;
    assert!(allowed.gateway.addr.ip().is_unspecified());
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let app = TestApp::spawn_with(Options {
        header_timeout: Some(Duration::from_millis(300)),
        body_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let token = app.token("student").await;
    // Headers that never end: the connection is closed.
    let mut stream = TcpStream::connect(app.gateway.addr).await.expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        .await
        .expect("write");
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buffer));
    assert!(
        closed.await.is_ok(),
        "a client that never finishes its headers is dropped"
    );
    // A body that never arrives: 408.
    let head = format!(
        "POST /practice/assign HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"subj"
    );
    let mut stream = TcpStream::connect(app.gateway.addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("answered in time")
        .expect("read");
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    // Everyone else is still served.
    let (status, _) = app.get(LISTING, Some(&token)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn connections_beyond_the_limit_are_refused_not_queued_forever() {
    let app = TestApp::spawn_with(Options {
        max_connections: Some(4),
        header_timeout: Some(Duration::from_secs(30)),
        ..Options::default()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(app.gateway.addr).await.expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\n")
            .await
            .expect("write");
        idle.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(app.gateway.addr).await.expect("connect");
    let _ = extra
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let mut buffer = Vec::new();
    let answer = tokio::time::timeout(Duration::from_secs(10), extra.read_to_end(&mut buffer));
    assert!(
        answer.await.is_ok(),
        "the fifth connection is closed at once"
    );
    assert!(buffer.is_empty() || String::from_utf8_lossy(&buffer).contains("503"));
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let token = app.token("student").await;
    let (status, _) = app.get(LISTING, Some(&token)).await;
    assert_eq!(
        status,
        reqwest::StatusCode::OK,
        "served again once they are gone"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_table_and_key_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    let mode = |path: std::path::PathBuf| {
        std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    let dir = app.data_dir.path();
    assert_eq!(mode(dir.to_path_buf()), 0o700);
    assert_eq!(mode(dir.join("table.redb")), 0o600);
    assert_eq!(mode(dir.join("issuer-key.pem")), 0o600);
}

#[tokio::test]
async fn problem_details_do_not_echo_unbounded_input() {
    let app = TestApp::spawn().await;
    let token = app.token("student").await;
    let long = "x".repeat(6000);
    let (status, body) = app.get(&format!("{LISTING}&{long}=1"), Some(&token)).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.chars().count() <= 300, "{} characters", detail.len());
}

/// The local file store's signed forms and URLs, served by the gateway: an upload within what
/// was signed is stored and downloadable; another type, a larger file, a tampered field or a
/// tampered download URL is refused and nothing is stored.
#[tokio::test]
async fn local_uploads_are_held_to_what_was_signed() {
    let app = TestApp::spawn().await;
    let files = app.gateway.files();
    let key = "materials/stu-1/01abc";
    let post = files
        .presign_post(key, "application/pdf", 16, Duration::from_secs(60))
        .await
        .expect("presign");
    let send = async |fields: &std::collections::BTreeMap<String, String>,
                      body: &[u8],
                      part_type: &str| {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.clone(), value.clone());
        }
        let part = reqwest::multipart::Part::bytes(body.to_vec())
            .file_name("w.pdf")
            .mime_str(part_type)
            .expect("mime");
        app.client
            .post(&post.url)
            .multipart(form.part("file", part))
            .send()
            .await
            .expect("upload")
            .status()
            .as_u16()
    };
    assert_eq!(
        send(&post.fields, &[b'x'; 17], "application/pdf").await,
        400,
        "too large"
    );
    let mut wrong_type = post.fields.clone();
    wrong_type.insert("Content-Type".into(), "text/html".into());
    assert_eq!(
        send(&wrong_type, b"<script>", "text/html").await,
        403,
        "type not signed"
    );
    let mut wrong_key = post.fields.clone();
    wrong_key.insert("key".into(), "avatars/other/1".into());
    assert_eq!(
        send(&wrong_key, b"pdf", "application/pdf").await,
        403,
        "key not signed"
    );
    assert_eq!(
        files.head(key).await.expect("head"),
        None,
        "nothing stored yet"
    );
    assert_eq!(
        send(&post.fields, b"%PDF-1.4", "application/pdf").await,
        204
    );
    let stored = files.head(key).await.expect("head").expect("stored");
    assert_eq!(
        (stored.size, stored.content_type.as_deref()),
        (8, Some("application/pdf"))
    );
    let url = files
        .presign_get(key, Duration::from_secs(60))
        .await
        .expect("url");
    let download = app.client.get(&url).send().await.expect("download");
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), b"%PDF-1.4");
    let tampered = url.replace("materials/stu-1/01abc", "materials/stu-1/01abd");
    assert_eq!(
        app.client
            .get(&tampered)
            .send()
            .await
            .expect("get")
            .status()
            .as_u16(),
        403
    );
    let expired = with_past_expiry(&url);
    assert_eq!(
        app.client
            .get(&expired)
            .send()
            .await
            .expect("get")
            .status()
            .as_u16(),
        403
    );
}

/// The URL with its `expires` moved to the past (the signature then no longer matches either).
fn with_past_expiry(url: &str) -> String {
    let (head, tail) = url.split_once("expires=").expect("expires");
    let (_, rest) = tail.split_once('&').expect("signature follows");
    format!("{head}expires=1&{rest}")
}
