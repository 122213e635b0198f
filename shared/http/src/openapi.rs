//! The API's OpenAPI 3.1 document, assembled from each function's own (`Function::openapi`,
//! written beside its handler with `utoipa`): every route with its parameters, body and answer,
//! the bearer-token security scheme, and the problem responses every route shares.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr,
    ResponseBuilder, ServerBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use crate::FunctionSpec;

/// The problem body every error carries (`application/problem+json`, RFC 9457).
#[derive(serde::Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// `https://tutorbridge.dev/problems/<code>`.
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    /// Stable machine-readable code: `invalid_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `route_not_found`, `method_not_allowed`, `conflict`, `gone`,
    /// `request_timeout`, `payload_too_large`, `unsupported_media_type`, `too_many_requests`,
    /// `internal`.
    code: String,
    /// What went wrong, for people (at most 300 characters).
    #[schema(max_length = 300)]
    detail: String,
    /// Quote it when reporting a problem: the server's logs carry it.
    request_id: String,
}

/// The problem statuses every route may answer, besides its own.
const SHARED_PROBLEMS: [(&str, &str); 8] = [
    (
        "400",
        "The request is malformed: a parameter, id, cursor or body is not valid.",
    ),
    ("401", "No valid bearer token."),
    ("403", "The caller's role may not do this."),
    ("404", "Nothing matches, or nothing the caller may see."),
    ("413", "The body is larger than 64 KiB."),
    ("415", "The body is not application/json."),
    ("429", "A quota or the API's rate limit was reached."),
    (
        "500",
        "Something failed on the server; logged under the request id.",
    ),
];

/// The document for `functions`, in their order.
pub fn document(functions: &[FunctionSpec]) -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("TutorBridge")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "AI tutoring between human tutoring sessions: curriculum, adaptive tutoring \
                     sessions, adaptive practice and goals. Every route needs a Cognito ID or \
                     access token as a bearer token; errors are problem details.",
                ))
                .build(),
        )
        .servers(Some([ServerBuilder::new()
            .url("/")
            .description(Some("this API (the local gateway, or API Gateway's stage)"))
            .build()]))
        .build();
    for function in functions {
        doc.merge((function.openapi)());
    }
    let mut components = doc.components.take().unwrap_or_default();
    components
        .schemas
        .insert(Problem::name().into_owned(), Problem::schema());
    doc.components = Some(
        ComponentsBuilder::from(components)
            .security_scheme(
                "cognito",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some(
                            "A Cognito ID or access token (locally: GET /local/tokens/{role}).",
                        ))
                        .build(),
                ),
            )
            .build(),
    );
    doc.security = Some(vec![SecurityRequirement::new(
        "cognito",
        Vec::<String>::new(),
    )]);
    let problem = || {
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, description) in SHARED_PROBLEMS {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(description)
                            .content("application/problem+json", problem())
                            .build()
                            .into()
                    });
            }
        }
    }
    doc
}
