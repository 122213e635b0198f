//! The deployment template agrees with the code: the table block is the shared definition, and
//! every route a function serves is wired to that function in the HttpApi.

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
    let functions: [(&str, &[tutorbridge_http::Route]); 8] = [
        ("CurriculumFunction", curriculum::ROUTES),
        ("SessionCreateFunction", session_create::ROUTES),
        ("SessionStepFunction", session_step::ROUTES),
        ("SessionReadFunction", session_read::ROUTES),
        ("PracticeAssignFunction", practice_assign::ROUTES),
        ("PracticeCompleteFunction", practice_complete::ROUTES),
        ("GoalsFunction", goals::ROUTES),
        ("PracticeReviewFunction", practice_review::ROUTES),
    ];
    for (resource, routes) in functions {
        let section = resource_section(&template, resource);
        assert!(
            section.contains("BuildMethod: rust-cargolambda"),
            "{resource}"
        );
        for route in routes {
            let wired = format!("Path: {}\n            Method: {}", route.path, route.method);
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
}
