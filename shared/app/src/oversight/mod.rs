//! Oversight of one student by the adults responsible for them: the progress dashboard
//! ([`progress`]), tutor overrides with their audit trail ([`overrides`]), and the student's
//! data under GDPR — export and erasure ([`privacy`]).

pub mod overrides;
pub mod privacy;
pub mod progress;

use tutorbridge_domain::{Access, Caller, Role, UserId};

use crate::AppError;
use crate::access::AccessService;

/// May `caller` change `student`'s learning data as a tutor would: their tutor or an admin.
/// A parent or student is told no (403); a tutor of someone else learns nothing (404).
pub(crate) async fn may_override(
    access: &AccessService,
    caller: &Caller,
    student: &UserId,
) -> Result<(), AppError> {
    if caller.has(Role::Admin) {
        return Ok(());
    }
    if caller.has(Role::Tutor) {
        return access.authorize(caller, student, Access::Write).await;
    }
    Err(AppError::Forbidden(
        "only the student's tutor or an admin overrides".into(),
    ))
}
