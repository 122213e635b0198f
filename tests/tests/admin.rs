//! The operator CLI's commands against the AWS emulator's DynamoDB, exactly as an operator runs
//! them against a deployed table: the demo bank loads once, links give tutors and parents their
//! access in both directions, and unlinking takes it away.

use tutorbridge_admin::{Command, run};
use tutorbridge_app::access::AccessService;
use tutorbridge_app::{AppError, keys};
use tutorbridge_domain::{Access, Relationship, Role};
use tutorbridge_tests::backends::{caller, dynamodb, unique};

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn commands_parse_and_bad_ones_are_refused_with_the_usage() {
    assert_eq!(
        Command::parse(&args(&["seed-bank"])).expect("seed-bank"),
        Command::SeedBank
    );
    assert!(matches!(
        Command::parse(&args(&["link-parent", "p-1", "s-1"])).expect("link"),
        Command::Link(Relationship::Parent, _, _)
    ));
    for bad in [
        &["link-tutor", "t-1"][..],
        &["link-tutor", "t-1", "s-1", "extra"],
        &["link-tutor", "t#1", "s-1"],
        &["drop-table"],
        &[],
    ] {
        assert!(Command::parse(&args(bad)).is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn the_demo_bank_and_curriculum_load_once() {
    let store = dynamodb().await;
    for command in [Command::SeedCurriculum, Command::SeedBank] {
        let first = run(&command, &store).await.expect("first load");
        assert!(!first.contains(": 0 "), "{first}");
        let again = run(&command, &store).await.expect("second load");
        assert!(again.contains(": 0 "), "idempotent: {again}");
    }
    let subjects = store
        .get(&keys::bank_subjects())
        .await
        .expect("get")
        .expect("the bank's subjects are listed");
    assert!(format!("{subjects:?}").contains("Mathematics"));
}

#[tokio::test]
async fn links_grant_access_both_ways_and_unlinking_removes_it() {
    let store = dynamodb().await;
    let access = AccessService::new(store.clone());
    let student = caller(&unique("stu"), Role::Student);
    let tutor = caller(&unique("tutor"), Role::Tutor);
    let parent = caller(&unique("parent"), Role::Parent);
    let (s, t, p) = (
        student.user_id.as_str(),
        tutor.user_id.as_str(),
        parent.user_id.as_str(),
    );
    for who in [&tutor, &parent] {
        let refused = access.authorize(who, &student.user_id, Access::Read).await;
        assert!(
            matches!(refused, Err(AppError::NotFound(_))),
            "{who:?} before linking"
        );
    }
    for words in [["link-tutor", t, s], ["link-parent", p, s]] {
        let line = run(&Command::parse(&args(&words)).expect("parse"), &store)
            .await
            .expect("link");
        assert!(line.contains(s), "{line}");
    }
    access
        .authorize(&tutor, &student.user_id, Access::Write)
        .await
        .expect("the tutor coaches the student");
    access
        .authorize(&parent, &student.user_id, Access::Read)
        .await
        .expect("the parent sees the child");
    assert!(matches!(
        access
            .authorize(&parent, &student.user_id, Access::Write)
            .await,
        Err(AppError::NotFound(_))
    ));
    for key in [
        keys::tutor_link(&tutor.user_id, &student.user_id),
        keys::tutor_link_reverse(&tutor.user_id, &student.user_id),
        keys::parent_link(&parent.user_id, &student.user_id),
        keys::parent_link_reverse(&parent.user_id, &student.user_id),
    ] {
        assert!(store.get(&key).await.expect("get").is_some(), "{key:?}");
    }

    run(
        &Command::parse(&args(&["unlink-tutor", t, s])).expect("parse"),
        &store,
    )
    .await
    .expect("unlink");
    assert!(matches!(
        access
            .authorize(&tutor, &student.user_id, Access::Read)
            .await,
        Err(AppError::NotFound(_))
    ));
    for key in [
        keys::tutor_link(&tutor.user_id, &student.user_id),
        keys::tutor_link_reverse(&tutor.user_id, &student.user_id),
    ] {
        assert!(store.get(&key).await.expect("get").is_none(), "{key:?}");
    }
    access
        .authorize(&parent, &student.user_id, Access::Read)
        .await
        .expect("the parent's link is untouched");
    // Unlinking twice is harmless.
    run(
        &Command::parse(&args(&["unlink-tutor", t, s])).expect("parse"),
        &store,
    )
    .await
    .expect("idempotent unlink");
}
