//! Oversight at the use-case level, on both table backends: the progress dashboard in two
//! round trips, tutor overrides that never lose a concurrent completion, and GDPR export and
//! erasure.

use std::sync::Arc;

use serde_json::Value;
use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::access::AccessService;
use tutorbridge_app::oversight::overrides::{Change, Override, OverrideService};
use tutorbridge_app::oversight::privacy::PrivacyService;
use tutorbridge_app::oversight::progress::ProgressService;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_app::sessions::SessionService;
use tutorbridge_app::{AppError, Store, keys};
use tutorbridge_domain::curriculum::{CurriculumName, GuidelineId};
use tutorbridge_domain::practice::{AssignmentId, SubjectSlug};
use tutorbridge_domain::{Caller, Relationship, Role};
use tutorbridge_table::{CountingTable, Table};
use tutorbridge_tests::backends::{caller, unique};

struct World {
    store: Store,
    table: Arc<CountingTable<Store>>,
    student: Caller,
    tutor: Caller,
    parent: Caller,
    practice: PracticeService,
}

async fn world(store: Store) -> World {
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("bank");
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("curriculum");
    let student = caller(&unique("stu"), Role::Student);
    let tutor = caller(&unique("tutor"), Role::Tutor);
    let parent = caller(&unique("parent"), Role::Parent);
    let access = AccessService::new(store.clone());
    access
        .link(Relationship::Tutor, &tutor.user_id, &student.user_id)
        .await
        .expect("tutor");
    access
        .link(Relationship::Parent, &parent.user_id, &student.user_id)
        .await
        .expect("parent");
    World {
        table: Arc::new(CountingTable::new(store.clone())),
        practice: PracticeService::new(store.clone(), OfflineTutor::tutor()),
        store,
        student,
        tutor,
        parent,
    }
}

impl World {
    fn counted(&self) -> Store {
        self.table.clone()
    }

    /// Assign a maths item and answer it (rightly or not), as the student.
    async fn practise(&self, right: bool) -> AssignmentId {
        let maths = SubjectSlug::parse("Mathematics").expect("slug");
        let assignment = self
            .practice
            .assign(&self.student, &maths, None::<&CurriculumName>)
            .await
            .expect("assign");
        let item = self
            .store
            .get(&keys::assignment(
                &self.student.user_id,
                &assignment.assignment_id,
            ))
            .await
            .expect("get")
            .expect("assignment");
        let stored: Value = serde_dynamo::from_item(item).expect("json");
        let answer = stored["item"]["body"]["question"]["answer"]
            .as_str()
            .expect("a maths answer")
            .to_string();
        let answer = if right { answer } else { format!("{answer}1") };
        self.practice
            .complete(&self.student, &assignment.assignment_id, &answer, 0, None)
            .await
            .expect("complete");
        assignment.assignment_id
    }
}

async fn the_dashboard_shows_practice_sessions_and_overrides_in_two_round_trips(store: Store) {
    let world = world(store).await;
    for right in [true, true, false] {
        world.practise(right).await;
    }
    SessionService::new(world.store.clone(), OfflineTutor::tutor())
        .create(
            &world.student,
            &GuidelineId::parse("cbse3-maths-multiplication-repeated-addition").expect("id"),
        )
        .await
        .expect("session");
    let dashboard = ProgressService::new(world.counted());
    world.table.take();
    let progress = dashboard
        .progress(&world.tutor, &world.student.user_id)
        .await
        .expect("the tutor reads it");
    assert_eq!(world.table.take_rounds(), 2, "two sequential round trips");
    let maths = progress
        .subjects
        .iter()
        .find(|s| s.subject == "Mathematics")
        .expect("maths practised");
    assert_eq!((maths.answers, maths.xp), (3, 22));
    assert_eq!(progress.sessions.len(), 1);
    assert!(
        progress.last_active_at.is_some(),
        "completions mark activity"
    );
    assert!(progress.summaries.is_empty() && progress.flagged_questions.is_empty());
    for reader in [&world.student, &world.parent, &caller("root", Role::Admin)] {
        dashboard
            .progress(reader, &world.student.user_id)
            .await
            .expect("may read");
    }
    let stranger = caller(&unique("stu"), Role::Student);
    assert!(matches!(
        dashboard.progress(&stranger, &world.student.user_id).await,
        Err(AppError::NotFound(_))
    ));
}

async fn an_override_is_audited_and_never_loses_a_concurrent_completion(store: Store) {
    let world = world(store).await;
    world.practise(true).await;
    let overrides = OverrideService::new(world.store.clone());
    let maths = SubjectSlug::parse("Mathematics").expect("slug");
    let set_rating = |rating: u32| Override {
        change: Change::Rating {
            subject: maths.clone(),
            rating,
        },
        reason: "placement test result".into(),
    };
    // Who may: the tutor and admins; a parent or the student is refused, a stranger tutor 404.
    assert!(matches!(
        overrides
            .apply(&world.parent, &world.student.user_id, &set_rating(1500))
            .await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        overrides
            .apply(&world.student, &world.student.user_id, &set_rating(1500))
            .await,
        Err(AppError::Forbidden(_))
    ));
    let other_tutor = caller(&unique("tutor"), Role::Tutor);
    assert!(matches!(
        overrides
            .apply(&other_tutor, &world.student.user_id, &set_rating(1500))
            .await,
        Err(AppError::NotFound(_))
    ));
    let mut no_reason = set_rating(1500);
    no_reason.reason = "  ".into();
    assert!(matches!(
        overrides
            .apply(&world.tutor, &world.student.user_id, &no_reason)
            .await,
        Err(AppError::Invalid(_))
    ));

    // The override and a completion race: both land, in some order.
    let raise = set_rating(1500);
    let (entry, _) = tokio::join!(
        overrides.apply(&world.tutor, &world.student.user_id, &raise),
        world.practise(true),
    );
    let entry = entry.expect("override");
    assert_eq!(entry.action, "override.rating");
    assert!(entry.summary.contains("placement test result"));
    let standing = tutorbridge_app::practice::history::HistoryService::new(world.store.clone())
        .practice_of(&world.tutor, &world.student.user_id, &maths)
        .await
        .expect("standing")
        .0;
    assert_eq!(
        standing.answers, 2,
        "the concurrent completion was not lost"
    );
    assert_eq!(standing.xp, 20);
    let listed = overrides
        .list(&world.parent, &world.student.user_id)
        .await
        .expect("parents read overrides");
    assert_eq!(listed.len(), 1);
    let dashboard = ProgressService::new(world.store.clone())
        .progress(&world.tutor, &world.student.user_id)
        .await
        .expect("dashboard");
    assert_eq!(dashboard.recent_overrides.len(), 1);
}

async fn an_export_holds_everything_and_an_erasure_leaves_only_its_audit(store: Store) {
    let world = world(store).await;
    world.practise(true).await;
    world.practise(false).await;
    SessionService::new(world.store.clone(), OfflineTutor::tutor())
        .create(
            &world.student,
            &GuidelineId::parse("cbse3-maths-multiplication-repeated-addition").expect("id"),
        )
        .await
        .expect("session");
    let privacy = PrivacyService::new(world.store.clone());
    assert!(matches!(
        privacy.export(&world.tutor, &world.student.user_id).await,
        Err(AppError::Forbidden(_))
    ));
    let export = privacy
        .export(&world.student, &world.student.user_id)
        .await
        .expect("the student exports");
    for kind in ["RATING", "ATTEMPT", "LINK", "ACTIVITY"] {
        assert!(
            export.records.contains_key(kind),
            "{kind}: {:?}",
            export.records.keys()
        );
    }
    // The missed item's review card reads as a card, not as the bytes it is stored in.
    let rating = &export.records["RATING"][0];
    assert!(
        rating["reviews"][0]["item"].is_string() && rating["reviews"][0]["due_ms"].is_i64(),
        "{rating}"
    );
    assert_eq!(export.sessions.len(), 1);
    assert!(export.sessions[0].contains_key("SESSION_EVENT"));
    privacy
        .export(&world.parent, &world.student.user_id)
        .await
        .expect("a linked parent exports");
    assert!(matches!(
        privacy.erase(&world.student, &world.student.user_id).await,
        Err(AppError::Forbidden(_))
    ));
    let erased = privacy
        .erase(&world.parent, &world.student.user_id)
        .await
        .expect("the parent erases");
    assert!(erased.deleted > 5);
    assert!(matches!(
        privacy
            .export(&caller("root", Role::Admin), &world.student.user_id)
            .await,
        Err(AppError::NotFound(_))
    ));
    // Both directions of the links are gone; the audit entry stays.
    for key in [
        keys::tutor_link(&world.tutor.user_id, &world.student.user_id),
        keys::parent_link(&world.parent.user_id, &world.student.user_id),
    ] {
        assert!(
            world.store.get(&key).await.expect("get").is_none(),
            "{key:?}"
        );
    }
    assert!(
        world
            .store
            .get(&keys::audit(
                &world.student.user_id,
                &erased.audit.at,
                &erased.audit.audit_id
            ))
            .await
            .expect("get")
            .is_some()
    );
}

tutorbridge_tests::on_both_backends!(
    embedded_oversight, dynamodb_oversight;
    the_dashboard_shows_practice_sessions_and_overrides_in_two_round_trips,
    an_override_is_audited_and_never_loses_a_concurrent_completion,
    an_export_holds_everything_and_an_erasure_leaves_only_its_audit,
);
