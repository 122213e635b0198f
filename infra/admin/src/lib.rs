//! `tutorbridge-admin`'s commands, as a library so tests run them against the emulator exactly
//! as an operator runs them against a deployed table.
//!
//! ```text
//! tutorbridge-admin create-table                 # TUTORBRIDGE_TABLE from the shared definition
//! tutorbridge-admin seed-curriculum              # the demo curriculum (idempotent)
//! tutorbridge-admin seed-bank                    # the demo item bank (idempotent)
//! tutorbridge-admin link-tutor TUTOR STUDENT     # TUTOR sees and coaches STUDENT
//! tutorbridge-admin link-parent PARENT CHILD     # PARENT sees CHILD (read-only)
//! tutorbridge-admin unlink-tutor TUTOR STUDENT   # remove a link (both directions)
//! tutorbridge-admin unlink-parent PARENT CHILD
//! ```
//!
//! User ids are the Cognito `sub` of each user.

use anyhow::{Context, bail};
use tutorbridge_app::Store;
use tutorbridge_app::access::AccessService;
use tutorbridge_domain::{Relationship, UserId};

/// One operator command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    CreateTable,
    SeedCurriculum,
    SeedBank,
    Link(Relationship, UserId, UserId),
    Unlink(Relationship, UserId, UserId),
}

/// The usage text.
pub const USAGE: &str = "usage: tutorbridge-admin create-table | seed-curriculum | seed-bank | \
     link-tutor TUTOR STUDENT | link-parent PARENT CHILD | unlink-tutor TUTOR STUDENT | \
     unlink-parent PARENT CHILD";

impl Command {
    /// Parse the arguments after the program name.
    ///
    /// # Errors
    /// An unknown command, a missing or extra argument, or a malformed user id.
    pub fn parse(args: &[String]) -> anyhow::Result<Command> {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let pair = |rest: &[&str]| -> anyhow::Result<(UserId, UserId)> {
            match rest {
                [adult, student] => Ok((
                    UserId::parse(adult).with_context(|| format!("'{adult}' is not a user id"))?,
                    UserId::parse(student)
                        .with_context(|| format!("'{student}' is not a user id"))?,
                )),
                _ => bail!("expected two user ids\n{USAGE}"),
            }
        };
        Ok(match words.as_slice() {
            ["create-table"] => Command::CreateTable,
            ["seed-curriculum"] => Command::SeedCurriculum,
            ["seed-bank"] => Command::SeedBank,
            ["link-tutor", rest @ ..] => {
                let (a, b) = pair(rest)?;
                Command::Link(Relationship::Tutor, a, b)
            }
            ["link-parent", rest @ ..] => {
                let (a, b) = pair(rest)?;
                Command::Link(Relationship::Parent, a, b)
            }
            ["unlink-tutor", rest @ ..] => {
                let (a, b) = pair(rest)?;
                Command::Unlink(Relationship::Tutor, a, b)
            }
            ["unlink-parent", rest @ ..] => {
                let (a, b) = pair(rest)?;
                Command::Unlink(Relationship::Parent, a, b)
            }
            _ => bail!("{USAGE}"),
        })
    }
}

fn name(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::Tutor => "tutor",
        Relationship::Parent => "parent",
    }
}

/// Run a command that works on the table's items (every command but `create-table`, which
/// needs the DynamoDB client itself); returns the line to print.
///
/// # Errors
/// A table failure, or `create-table` (not an item command).
pub async fn run(command: &Command, store: &Store) -> anyhow::Result<String> {
    Ok(match command {
        Command::CreateTable => bail!("create-table needs the DynamoDB client; see main"),
        Command::SeedCurriculum => {
            let written = tutorbridge_app::seed::ensure_demo_curriculum(store).await?;
            format!("demo curriculum: {written} guidelines written (0 = already there)")
        }
        Command::SeedBank => {
            let written = tutorbridge_app::seed::ensure_demo_bank(store).await?;
            format!("demo item bank: {written} items written (0 = already there)")
        }
        Command::Link(relationship, adult, student) => {
            AccessService::new(store.clone())
                .link(*relationship, adult, student)
                .await?;
            format!("{adult} is now {student}'s {}", name(*relationship))
        }
        Command::Unlink(relationship, adult, student) => {
            AccessService::new(store.clone())
                .unlink(*relationship, adult, student)
                .await?;
            format!("{adult} is no longer {student}'s {}", name(*relationship))
        }
    })
}
