use super::*;
use crate::bank::{ChoiceOption, ItemId, Provenance};
use crate::learner::difficulty_for;
use crate::maths::{Family, generate};

fn short(id: &str, topic: &str, difficulty: f64) -> BankItem {
    BankItem {
        id: ItemId::parse(id).unwrap(),
        subject: "Science".into(),
        topic: topic.into(),
        difficulty,
        expected_seconds: 60,
        body: ItemBody::Short {
            prompt: format!("Explain {id}."),
            answer: "because".into(),
            keywords: vec!["because".into()],
        },
        provenance: Provenance::Seed,
        review: Review::Approved,
    }
}

fn choice() -> BankItem {
    BankItem {
        body: ItemBody::Choice {
            prompt: "Which?".into(),
            options: ["a", "b", "c"]
                .map(|id| ChoiceOption {
                    id: id.into(),
                    text: id.to_uppercase(),
                })
                .to_vec(),
            answer: "b".into(),
        },
        ..short("c-1", "Cells", 0.0)
    }
}

fn ranking<'a>(recent: &'a [String], preferred: &'a [String]) -> Ranking<'a> {
    Ranking {
        skill: 0.0,
        target: 0.75,
        recent,
        open: &[],
        preferred,
        topic: None,
        draw: 0,
    }
}

#[test]
fn the_item_nearest_the_target_is_served_unless_seen_recently() {
    // P(correct) = σ(−b): b = −1.1 gives ≈ 0.75.
    let items = vec![
        short("near", "A", -1.1),
        short("far", "A", 2.0),
        short("close", "A", -0.9),
    ];
    let none: Vec<String> = vec![];
    assert_eq!(
        ranking(&none, &none).suitable(&items).unwrap().id.as_str(),
        "near"
    );
    let seen = vec!["near".to_string()];
    assert_eq!(
        ranking(&seen, &none).suitable(&items).unwrap().id.as_str(),
        "close"
    );
    let all = vec!["near".to_string(), "close".to_string()];
    assert!(
        ranking(&all, &none).suitable(&items).is_none(),
        "'far' is not suitable"
    );
    assert_eq!(
        ranking(&all, &none).closest(&items).unwrap().id.as_str(),
        "near"
    );
}

#[test]
fn a_preferred_topic_wins_a_near_tie_and_rejected_items_never_serve() {
    let mut items = vec![short("plain", "A", -1.1), short("liked", "B", -0.9)];
    let none: Vec<String> = vec![];
    let liked = vec!["b".to_string()];
    assert_eq!(
        ranking(&none, &liked).suitable(&items).unwrap().id.as_str(),
        "liked"
    );
    items[1].review = Review::Rejected;
    assert_eq!(
        ranking(&none, &liked).suitable(&items).unwrap().id.as_str(),
        "plain"
    );
    let only_b = Ranking {
        topic: Some("b"),
        draw: 0,
        ..ranking(&none, &none)
    };
    assert!(only_b.closest(&items).is_none());
}

#[test]
fn prompts_to_avoid_put_recent_items_first() {
    let items = vec![short("one", "A", 0.0), short("two", "A", 0.0)];
    let seen = vec!["two".to_string()];
    let none: Vec<String> = vec![];
    assert_eq!(
        ranking(&seen, &none).prompts_to_avoid(&items, 5),
        vec!["Explain two.", "Explain one."]
    );
}

#[test]
fn recent_items_keep_the_newest_twenty() {
    let mut recent = Vec::new();
    for i in 0..25 {
        remember_seen(&mut recent, &format!("i{i}"));
    }
    remember_seen(&mut recent, "i10");
    assert_eq!(recent.len(), RECENT_ITEMS);
    assert_eq!(recent.last().map(String::as_str), Some("i10"));
    assert_eq!(recent.iter().filter(|id| *id == "i10").count(), 1);
}

#[test]
fn maths_and_choice_are_marked_exactly_and_bad_forms_are_not_attempts() {
    let question = generate(Family::Addition, 3, 7);
    let maths = BankItem {
        body: ItemBody::Maths {
            question: question.clone(),
        },
        ..short("m-1", "Addition", 0.0)
    };
    let right = mark_exactly(&maths, &question.answer.to_string()).unwrap();
    assert!(right.correct && right.confidence == 1.0);
    assert!(
        !mark_exactly(&maths, &format!("{}1", question.answer))
            .unwrap()
            .correct
    );
    assert!(matches!(
        malformed(&maths, "lots"),
        Some(Malformed::NotANumber(_))
    ));
    assert_eq!(malformed(&maths, "3/4"), None);

    let choice = choice();
    assert!(mark_exactly(&choice, " B ").unwrap().correct);
    assert!(!mark_exactly(&choice, "a").unwrap().correct);
    assert_eq!(
        malformed(&choice, "z"),
        Some(Malformed::UnknownOption(vec![
            "a".into(),
            "b".into(),
            "c".into()
        ]))
    );
    assert!(mark_exactly(&short("s", "A", 0.0), "x").is_none());
}

#[test]
fn streaks_grow_on_consecutive_days_and_restart_after_a_gap() {
    let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
    assert_eq!(next_streak(None, 0, day("2026-03-02")), 1);
    assert_eq!(
        next_streak(Some(day("2026-03-02")), 4, day("2026-03-02")),
        4
    );
    assert_eq!(
        next_streak(Some(day("2026-03-01")), 4, day("2026-03-02")),
        5
    );
    assert_eq!(
        next_streak(Some(day("2026-02-27")), 4, day("2026-03-02")),
        1
    );
    assert_eq!(xp_for(true), 10);
    assert_eq!(xp_for(false), 2);
}

#[test]
fn goals_count_active_matching_answers_and_complete_at_target() {
    let mut goal = Goal {
        goal_id: GoalId::parse("g1").unwrap(),
        student: UserId::parse("stu").unwrap(),
        subject: "Social Studies".into(),
        topics: vec!["Maps".into()],
        target: 2,
        progress: 0,
        status: GoalStatus::Active,
        created_at: "2026-01-01T00:00:00Z".into(),
    };
    let subject = SubjectSlug::parse("social studies").unwrap();
    assert!(goal.counts(&subject, "maps"));
    assert!(!goal.counts(&subject, "Rivers"));
    assert!(!goal.counts(&SubjectSlug::parse("Science").unwrap(), "Maps"));
    assert_eq!(goal.credit().status, GoalStatus::Active);
    assert_eq!(goal.credit().status, GoalStatus::Completed);
    assert!(
        !goal.counts(&subject, "Maps"),
        "completed goals stop counting"
    );
}

#[test]
fn a_subject_holds_at_most_ten_active_goals_and_one_answer_credits_them_all() {
    let goal = |n: u32| Goal {
        goal_id: GoalId::parse(&format!("g{n}")).unwrap(),
        student: UserId::parse("stu").unwrap(),
        subject: "Science".into(),
        topics: vec![],
        target: 3,
        progress: 0,
        status: GoalStatus::Active,
        created_at: "2026-01-01T00:00:00Z".into(),
    };
    let mut set = GoalSet::default();
    for n in 0..MAX_ACTIVE_GOALS as u32 {
        set.add(goal(n)).unwrap();
    }
    assert_eq!(set.add(goal(99)), Err(GoalLimit::TooManyActive));
    let science = SubjectSlug::parse("Science").unwrap();
    let credited = set.credit(&science, "Plants");
    assert_eq!(credited.len(), MAX_ACTIVE_GOALS);
    assert!(credited.iter().all(|p| p.progress == 1));
    set.set_status(0, GoalStatus::Archived).unwrap();
    set.add(goal(10)).unwrap();
    assert_eq!(
        set.set_status(0, GoalStatus::Active),
        Err(GoalLimit::TooManyActive)
    );
}

#[test]
fn students_of_equal_skill_are_spread_over_near_ties_and_never_past_them() {
    // σ(−b) for b = −1.10, −1.11, −1.12, −1.13, −1.14 lies within 0.01 of 0.75: five near ties.
    // b = −0.90 is suitable (gap 0.04) but not a near tie; b = 2.0 is not suitable at all.
    let mut items: Vec<_> = ["t0", "t1", "t2", "t3", "t4"]
        .iter()
        .enumerate()
        .map(|(i, id)| short(id, "A", -1.10 - 0.01 * i as f64))
        .collect();
    items.push(short("close", "A", -0.9));
    items.push(short("far", "A", 2.0));
    let none: Vec<String> = vec![];
    let served = |items: &[BankItem], preferred: &[String], draw: u64| {
        Ranking {
            draw,
            ..ranking(&none, preferred)
        }
        .suitable(items)
        .unwrap()
        .id
        .to_string()
    };
    let drawn: std::collections::BTreeSet<String> =
        (0..40).map(|d| served(&items, &none, d)).collect();
    assert_eq!(
        drawn.len(),
        NEAR_TIES,
        "the nearest four, each drawn: {drawn:?}"
    );
    assert!(!drawn.contains("close") && !drawn.contains("far"));
    assert_eq!(served(&items, &none, 0), "t0", "draw 0 serves the nearest");
    // A preferred topic wins as it did: "liked" (success 0.71, 0.04 from the target) counts
    // 0.01 nearer than t0 once preferred, and the draw never crosses to items not preferred.
    let mut with_liked = items.clone();
    with_liked.push(short("liked", "B", difficulty_for(0.0, 0.71)));
    let liked = vec!["b".to_string()];
    let drawn_liked: std::collections::BTreeSet<String> =
        (0..40).map(|d| served(&with_liked, &liked, d)).collect();
    assert_eq!(drawn_liked.into_iter().collect::<Vec<_>>(), ["liked"]);
}

#[test]
fn an_item_open_elsewhere_is_never_served_and_a_recent_one_is_not_rated_again() {
    let items = vec![short("near", "A", -1.1), short("close", "A", -0.9)];
    let open = vec!["near".to_string()];
    let none: Vec<String> = vec![];
    let one_open = Ranking {
        open: &open,
        ..ranking(&none, &none)
    };
    assert_eq!(one_open.suitable(&items).unwrap().id.as_str(), "close");
    let all_open = vec!["near".to_string(), "close".to_string()];
    let both_open = Ranking {
        open: &all_open,
        ..ranking(&none, &none)
    };
    assert!(
        both_open.closest(&items).is_none(),
        "not even as a last resort"
    );
    assert!(is_rated(&none, "near"));
    assert!(!is_rated(&open, "near"));
}

#[test]
fn the_most_overdue_review_in_scope_comes_first_whatever_the_bank_order() {
    let card = |item: &str, due_ms: i64| reviews::ReviewCard {
        item: item.into(),
        due_ms,
        stability: 1.0,
        difficulty: 5.0,
        reps: 1,
        lapses: 1,
        last_review_ms: 0,
        scheduled_days: 1,
        state: 2,
    };
    // Kept soonest first; "later" is not due at 100.
    let cards = vec![
        card("gone", 10),
        card("first", 20),
        card("second", 30),
        card("later", 200),
    ];
    let items = vec![
        short("later", "A", 0.0),
        short("second", "A", 0.0),
        short("first", "A", 0.0),
    ];
    let none: Vec<String> = vec![];
    let due = |open: &[String], now_ms| {
        Ranking {
            open,
            ..ranking(&none, &none)
        }
        .due_review(&items, &cards, now_ms)
        .map(|item| item.id.as_str().to_string())
    };
    // "gone" is no longer in the bank: the next most overdue one is served.
    assert_eq!(due(&[], 100).as_deref(), Some("first"));
    // Open in another assignment: out of scope, so the next.
    assert_eq!(due(&["first".to_string()], 100).as_deref(), Some("second"));
    assert_eq!(
        due(&[], 15),
        None,
        "only 'gone' is due, and it is not in the bank"
    );
    assert_eq!(due(&[], 5), None, "nothing due");
}
