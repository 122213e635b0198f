//! Who may read or write a student's data.
//!
//! student: themself; tutor: students assigned to them; parent: their linked children,
//! read-only; admin: everyone. A caller with several roles gets the union. Callers who may not
//! see a student's data are answered as if it did not exist (the handlers return 404), so the
//! policy only answers yes or no.

use crate::identity::{Caller, Role, UserId};

/// What the caller wants to do with the student's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// How the caller is linked to the student, as recorded in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// The caller is the student's assigned tutor.
    Tutor,
    /// The caller is the student's linked parent.
    Parent,
}

/// Whether `caller` may perform `access` on `student`'s data, given the caller's
/// `relationships` to that student.
pub fn may_access(
    caller: &Caller,
    student: &UserId,
    relationships: &[Relationship],
    access: Access,
) -> bool {
    if caller.has(Role::Admin) {
        return true;
    }
    if caller.has(Role::Student) && &caller.user_id == student {
        return true;
    }
    if caller.has(Role::Tutor) && relationships.contains(&Relationship::Tutor) {
        return true;
    }
    caller.has(Role::Parent)
        && relationships.contains(&Relationship::Parent)
        && access == Access::Read
}

/// Whether deciding needs the caller's links to `student` (so callers can skip the lookup).
pub fn needs_relationships(caller: &Caller, student: &UserId) -> bool {
    let decided_without =
        caller.has(Role::Admin) || (caller.has(Role::Student) && &caller.user_id == student);
    !decided_without && (caller.has(Role::Tutor) || caller.has(Role::Parent))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn caller(id: &str, roles: &[Role]) -> Caller {
        Caller {
            user_id: UserId::parse(id).expect("id"),
            roles: roles.iter().copied().collect::<BTreeSet<_>>(),
            email: None,
        }
    }

    fn student() -> UserId {
        UserId::parse("stu").expect("id")
    }

    #[test]
    fn a_student_sees_and_writes_only_their_own_data() {
        let me = caller("stu", &[Role::Student]);
        let other = caller("other", &[Role::Student]);
        for access in [Access::Read, Access::Write] {
            assert!(may_access(&me, &student(), &[], access));
            assert!(!may_access(&other, &student(), &[], access));
        }
    }

    #[test]
    fn a_tutor_needs_the_assignment() {
        let tutor = caller("tut", &[Role::Tutor]);
        assert!(may_access(
            &tutor,
            &student(),
            &[Relationship::Tutor],
            Access::Write
        ));
        assert!(!may_access(&tutor, &student(), &[], Access::Read));
        assert!(!may_access(
            &tutor,
            &student(),
            &[Relationship::Parent],
            Access::Read
        ));
    }

    #[test]
    fn a_parent_reads_linked_children_and_never_writes() {
        let parent = caller("par", &[Role::Parent]);
        assert!(may_access(
            &parent,
            &student(),
            &[Relationship::Parent],
            Access::Read
        ));
        assert!(!may_access(
            &parent,
            &student(),
            &[Relationship::Parent],
            Access::Write
        ));
        assert!(!may_access(&parent, &student(), &[], Access::Read));
    }

    #[test]
    fn an_admin_sees_everyone_and_links_alone_grant_nothing_without_the_role() {
        assert!(may_access(
            &caller("adm", &[Role::Admin]),
            &student(),
            &[],
            Access::Write
        ));
        // A recorded link does not help a caller who lacks the matching role.
        let nobody = caller("tut", &[]);
        assert!(!may_access(
            &nobody,
            &student(),
            &[Relationship::Tutor, Relationship::Parent],
            Access::Read
        ));
    }

    #[test]
    fn relationships_are_looked_up_only_when_they_can_change_the_answer() {
        assert!(!needs_relationships(
            &caller("stu", &[Role::Student]),
            &student()
        ));
        assert!(!needs_relationships(
            &caller("adm", &[Role::Admin]),
            &student()
        ));
        assert!(!needs_relationships(
            &caller("x", &[Role::Student]),
            &student()
        ));
        assert!(needs_relationships(
            &caller("tut", &[Role::Tutor]),
            &student()
        ));
    }
}
