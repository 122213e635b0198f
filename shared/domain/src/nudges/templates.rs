//! Hand-written nudge messages: a few templates per trigger, each with slots filled from data
//! (name, streak, subject, next step, reviews due) and an eligibility rule (a streak template
//! needs a streak of three days or more; a next-step template needs a next step). Which eligible
//! template is sent is the bandit's choice ([`super::bandit`]); a model may rephrase the chosen
//! one, but the facts in it come from here.

use super::Trigger;

/// What a message may say, all from stored data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slots {
    pub name: String,
    /// The student's best current or last streak, days.
    pub streak: u32,
    /// The subject the nudge is about (the trigger's, else the student's latest).
    pub subject: Option<String>,
    /// A next step: the topic after a completed goal or a summary's next step.
    pub next_step: Option<String>,
    /// Reviews due now.
    pub due: u32,
}

/// One template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Stable id (statistics are kept per id).
    pub id: &'static str,
    pub trigger: Trigger,
    /// Email subject line, with `{name}`, `{streak}`, `{subject}`, `{next_step}`, `{due}` slots.
    pub title: &'static str,
    pub body: &'static str,
    /// The least streak this template may be sent with.
    pub min_streak: u32,
    pub needs_subject: bool,
    pub needs_next_step: bool,
}

/// A streak worth mentioning.
pub const STREAK_WORTH_MENTIONING: u32 = 3;

const fn template(
    id: &'static str,
    trigger: Trigger,
    title: &'static str,
    body: &'static str,
) -> Template {
    Template {
        id,
        trigger,
        title,
        body,
        min_streak: 0,
        needs_subject: false,
        needs_next_step: false,
    }
}

/// Every template.
pub const TEMPLATES: &[Template] = &[
    template(
        "away_gentle",
        Trigger::Inactive,
        "Ready for a little practice, {name}?",
        "Hi {name}, it's been a week since you last practised. Ten minutes today keeps what you learned fresh.",
    ),
    Template {
        needs_subject: true,
        ..template(
            "away_subject",
            Trigger::Inactive,
            "{subject} is waiting for you, {name}",
            "Hi {name}, pick up {subject} where you left off: a few questions matched to your level are ready.",
        )
    },
    Template {
        min_streak: STREAK_WORTH_MENTIONING,
        ..template(
            "away_streak",
            Trigger::Inactive,
            "Start a new streak, {name}",
            "Hi {name}, you once practised {streak} days in a row. One short session today starts a new streak.",
        )
    },
    Template {
        needs_subject: true,
        ..template(
            "goal_celebrate",
            Trigger::GoalCompleted,
            "Goal reached in {subject}!",
            "Well done, {name}: you completed your {subject} goal. Set the next one while it's fresh.",
        )
    },
    Template {
        needs_subject: true,
        needs_next_step: true,
        ..template(
            "goal_next_topic",
            Trigger::GoalCompleted,
            "What's next after your {subject} goal",
            "Well done, {name}! Your {subject} goal is done; {next_step} is a good next step.",
        )
    },
    Template {
        needs_subject: true,
        min_streak: STREAK_WORTH_MENTIONING,
        ..template(
            "goal_streak",
            Trigger::GoalCompleted,
            "{streak} days and a goal reached",
            "{name}, a {streak}-day streak and your {subject} goal done. Keep the streak going today.",
        )
    },
    Template {
        needs_subject: true,
        ..template(
            "review_count",
            Trigger::ReviewDue,
            "{due} {subject} questions to review",
            "Hi {name}, {due} {subject} questions you found tricky are due for review. Reviewing now is what makes them stick.",
        )
    },
    Template {
        needs_subject: true,
        ..template(
            "review_memory",
            Trigger::ReviewDue,
            "Keep your {subject} fresh, {name}",
            "Hi {name}, a quick review of {subject} today, just before you would forget it, saves relearning it later.",
        )
    },
    Template {
        needs_subject: true,
        min_streak: STREAK_WORTH_MENTIONING,
        ..template(
            "review_streak",
            Trigger::ReviewDue,
            "Reviews for your {streak}-day streak",
            "{name}, your {streak}-day streak continues with {due} {subject} reviews due today.",
        )
    },
    Template {
        needs_next_step: true,
        ..template(
            "summary_next",
            Trigger::SummaryNextStep,
            "Your next step from your tutoring session",
            "Hi {name}, in your last session you and your tutor chose a next step: {next_step}. Practise it now while it's fresh.",
        )
    },
    Template {
        needs_next_step: true,
        needs_subject: true,
        ..template(
            "summary_subject",
            Trigger::SummaryNextStep,
            "Keep going with {subject}",
            "Hi {name}, a few {subject} questions on {next_step} are ready, picked from your last tutoring session.",
        )
    },
];

impl Template {
    /// Whether the slots have what this template says.
    pub fn eligible(&self, slots: &Slots) -> bool {
        slots.streak >= self.min_streak
            && (!self.needs_subject || slots.subject.is_some())
            && (!self.needs_next_step || slots.next_step.is_some())
            && (!self.body.contains("{due}") || slots.due > 0)
    }

    /// The title and body with the slots filled.
    pub fn render(&self, slots: &Slots) -> (String, String) {
        (fill(self.title, slots), fill(self.body, slots))
    }
}

fn fill(text: &str, slots: &Slots) -> String {
    text.replace("{name}", &slots.name)
        .replace("{streak}", &slots.streak.to_string())
        .replace("{subject}", slots.subject.as_deref().unwrap_or(""))
        .replace("{next_step}", slots.next_step.as_deref().unwrap_or(""))
        .replace("{due}", &slots.due.to_string())
}

/// The templates of `trigger` these slots allow.
pub fn eligible(trigger: Trigger, slots: &Slots) -> Vec<&'static Template> {
    TEMPLATES
        .iter()
        .filter(|t| t.trigger == trigger && t.eligible(slots))
        .collect()
}

/// A template by id.
pub fn by_id(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

/// The facts a rephrasing must keep word for word: the slot values the template used.
pub fn facts(template: &Template, slots: &Slots) -> Vec<String> {
    let mut facts = Vec::new();
    let text = format!("{} {}", template.title, template.body);
    if text.contains("{streak}") {
        facts.push(slots.streak.to_string());
    }
    if text.contains("{due}") {
        facts.push(slots.due.to_string());
    }
    for (slot, value) in [
        ("{subject}", &slots.subject),
        ("{next_step}", &slots.next_step),
    ] {
        if let (true, Some(value)) = (text.contains(slot), value) {
            facts.push(value.clone());
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Slots {
        Slots {
            name: "Ada".into(),
            ..Slots::default()
        }
    }

    #[test]
    fn every_trigger_has_a_template_that_needs_nothing_but_what_the_trigger_brings() {
        let full = Slots {
            name: "Ada".into(),
            subject: Some("Maths".into()),
            next_step: Some("fractions".into()),
            due: 2,
            streak: 0,
        };
        for trigger in Trigger::ALL {
            assert!(!eligible(trigger, &full).is_empty(), "{trigger:?}");
        }
        assert!(!eligible(Trigger::Inactive, &slots()).is_empty());
    }

    #[test]
    fn a_streak_template_needs_a_streak_of_three() {
        let mut s = slots();
        s.streak = 2;
        assert!(
            !eligible(Trigger::Inactive, &s)
                .iter()
                .any(|t| t.id == "away_streak")
        );
        s.streak = 3;
        let streak = eligible(Trigger::Inactive, &s)
            .into_iter()
            .find(|t| t.id == "away_streak")
            .unwrap();
        assert!(streak.render(&s).1.contains("3 days in a row"));
    }

    #[test]
    fn slots_are_filled_and_facts_listed() {
        let s = Slots {
            name: "Ada".into(),
            subject: Some("Maths".into()),
            due: 4,
            ..Slots::default()
        };
        let t = by_id("review_count").unwrap();
        let (title, body) = t.render(&s);
        assert_eq!(title, "4 Maths questions to review");
        assert!(body.starts_with("Hi Ada, 4 Maths questions"));
        assert_eq!(facts(t, &s), vec!["4".to_string(), "Maths".to_string()]);
        assert!(
            TEMPLATES
                .iter()
                .all(|t| !t.render(&s).1.contains('{') || !t.eligible(&s))
        );
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = TEMPLATES.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TEMPLATES.len());
    }
}
