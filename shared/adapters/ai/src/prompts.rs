//! Prompt templates: text files beside this crate, compiled in (so "loaded once" costs nothing at
//! cold start), filled with `{{name}}` placeholders.

pub const SYSTEM: &str = include_str!("../prompts/system.txt");
pub const TEACH: &str = include_str!("../prompts/teach.txt");
pub const GRADE: &str = include_str!("../prompts/grade.txt");
pub const REMEDIATE: &str = include_str!("../prompts/remediate.txt");
pub const WRITE_ITEM: &str = include_str!("../prompts/write_item.txt");
pub const MARK: &str = include_str!("../prompts/mark.txt");
pub const SUMMARISE: &str = include_str!("../prompts/summarise.txt");
pub const QA_ANALYSE: &str = include_str!("../prompts/qa_analyse.txt");
pub const QA_ANSWER: &str = include_str!("../prompts/qa_answer.txt");
pub const PERSONALISE: &str = include_str!("../prompts/personalise.txt");

/// Replace every `{{name}}` in `template` with its value; unknown placeholders stay visible.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_of_the_templates_is_filled_by_its_caller() {
        let filled = fill("a {{x}} b {{y}}", &[("x", "1".into()), ("y", "2".into())]);
        assert_eq!(filled, "a 1 b 2");
        for template in [
            SYSTEM,
            TEACH,
            GRADE,
            REMEDIATE,
            WRITE_ITEM,
            MARK,
            SUMMARISE,
            QA_ANALYSE,
            QA_ANSWER,
            PERSONALISE,
        ] {
            assert!(template.contains("{{"), "templates are parameterised");
        }
    }
}
