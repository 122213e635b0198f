//! The deployment template agrees with the code: the table block is the shared definition, and
//! every route a function serves is wired to that function in the HttpApi.

use tutorbridge_local::registry::{FUNCTIONS, TRIGGERS, route_table};
use tutorbridge_table::definition::cloudformation_properties;

const BEGIN: &str = "# BEGIN table-definition";
const END: &str = "      # END table-definition";

fn template_path() -> String {
    format!("{}/../template.yaml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_table_resource_matches_the_shared_definition() {
    let template = std::fs::read_to_string(template_path()).expect("template.yaml");
    let start = template.find(BEGIN).expect("begin marker");
    let block_start = template[start..]
        .find('\n')
        .map(|i| start + i + 1)
        .expect("line end");
    let block_end = template.find(END).expect("end marker");
    let expected = cloudformation_properties();
    if template[block_start..block_end] != expected {
        if std::env::var("UPDATE_TEMPLATE").is_ok() {
            let updated = format!(
                "{}{}{}",
                &template[..block_start],
                expected,
                &template[block_end..]
            );
            std::fs::write(template_path(), updated).expect("write template");
            return;
        }
        panic!(
            "template.yaml's table block is stale; run `UPDATE_TEMPLATE=1 cargo test -p tutorbridge-tests --test template`\nexpected:\n{expected}"
        );
    }
}

/// The text of one resource: from its name to the next top-level resource or section.
fn resource_section<'a>(template: &'a str, name: &str) -> &'a str {
    let start = template.find(&format!("\n  {name}:")).expect("resource") + 1;
    let rest = &template[start..];
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            let line = &rest[i..];
            (line.starts_with("  ") && !line.starts_with("   ") && !line.starts_with("  #"))
                || (!line.starts_with(' ') && !line.is_empty())
        })
        .unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn every_route_is_an_http_api_event_of_its_function() {
    let template = std::fs::read_to_string(template_path()).expect("template.yaml");
    assert!(!FUNCTIONS.is_empty());
    for function in FUNCTIONS {
        let resource = function.resource();
        let section = resource_section(&template, &resource);
        assert!(
            section.contains("BuildMethod: rust-cargolambda"),
            "{resource}"
        );
        assert!(
            section.contains(&format!("CodeUri: functions/{}", function.name))
                || section.contains(&format!("Binary: {}", function.name)),
            "{resource} must build the {} binary",
            function.name
        );
        for route in function.routes {
            let wired = format!("Path: {}\n            Method: {}", route.path, route.method);
            if route.signed {
                let unauthenticated = format!("{wired}\n            # Authenticated");
                let open = format!("{wired}\n            Auth:\n              Authorizer: NONE");
                assert!(
                    section.contains(&unauthenticated) || section.contains(&open),
                    "{} is signed: its event must turn the JWT authorizer off",
                    route.key
                );
            }
            assert!(
                section.contains(&wired),
                "{} is not wired to {resource} in template.yaml",
                route.key
            );
        }
        assert!(
            !section.contains("\n  UserPool"),
            "{resource}: the section must end at the next resource"
        );
    }
    // And nothing in the template routes to a function the registry does not know.
    let declared = template.matches("BuildMethod: rust-cargolambda").count();
    assert_eq!(
        declared,
        FUNCTIONS.len() + TRIGGERS.len(),
        "functions in template.yaml vs the registry"
    );
    for trigger in TRIGGERS {
        assert!(
            template.contains(&format!("Binary: {trigger}")),
            "{trigger} is built by the template"
        );
    }
}

const ROUTES_BEGIN: &str = "<!-- BEGIN routes (generated from infra/local/src/registry.rs) -->\n";
const ROUTES_END: &str = "<!-- END routes -->";

/// The README's route table is the registry's (`UPDATE_README=1` rewrites it).
#[test]
fn the_readme_route_table_is_the_registry() {
    let path = format!("{}/../README.md", env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(ROUTES_BEGIN).expect("begin marker") + ROUTES_BEGIN.len();
    let end = readme.find(ROUTES_END).expect("end marker");
    let expected = route_table();
    if readme[start..end] != expected {
        if std::env::var("UPDATE_README").is_ok() {
            let updated = format!("{}{}{}", &readme[..start], expected, &readme[end..]);
            std::fs::write(&path, updated).expect("write README");
            return;
        }
        panic!(
            "README.md's route table is stale; run `UPDATE_README=1 cargo test -p tutorbridge-tests --test template`\nexpected:\n{expected}"
        );
    }
}

/// The committed `openapi.json` is what the code generates (`UPDATE_OPENAPI=1` rewrites it).
#[test]
fn the_committed_openapi_document_is_the_codes() {
    let path = format!("{}/../openapi.json", env!("CARGO_MANIFEST_DIR"));
    let generated = tutorbridge_local::registry::openapi_json().expect("document");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        if std::env::var("UPDATE_OPENAPI").is_ok() {
            std::fs::write(&path, generated).expect("write openapi.json");
            return;
        }
        panic!(
            "openapi.json is stale; run `UPDATE_OPENAPI=1 cargo test -p tutorbridge-tests --test template`"
        );
    }
}

/// Every route of every function is an operation of the document, with the bearer scheme and
/// the problem responses, and the document has nothing else.
#[test]
fn every_route_is_documented_and_nothing_else() {
    let document: serde_json::Value =
        serde_json::from_str(&tutorbridge_local::registry::openapi_json().expect("document"))
            .expect("json");
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["components"]["securitySchemes"]["cognito"]["scheme"],
        "bearer"
    );
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            documented.insert(format!("{} {path}", method.to_uppercase()));
            for status in ["200", "201"] {
                if let Some(ok) = operation["responses"].get(status) {
                    assert!(
                        ok["content"]["application/json"].is_object(),
                        "{method} {path}"
                    );
                }
            }
            for status in ["400", "401", "404", "500"] {
                assert_eq!(
                    operation["responses"][status]["content"]["application/problem+json"]["schema"]
                        ["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
        }
    }
    let routed: std::collections::BTreeSet<String> = FUNCTIONS
        .iter()
        .flat_map(|f| f.routes.iter().map(|r| r.key.to_string()))
        .collect();
    assert_eq!(documented, routed);
}
