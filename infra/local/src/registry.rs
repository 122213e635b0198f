//! The one list of TutorBridge's functions. The local gateway routes to what is built from it,
//! the template-wiring test checks `template.yaml` against it, and the README's route table is
//! generated from it. Adding a function: its crate under `functions/`, one line here, its
//! resource in `template.yaml`.

use tutorbridge_http::{BuildError, Function, FunctionSpec, Handler, Wiring};

macro_rules! registry {
    ($($function:ty),* $(,)?) => {
        /// Every function's name and routes, in routing order.
        pub const FUNCTIONS: &[FunctionSpec] = &[$(FunctionSpec::of::<$function>()),*];

        /// Every function built once from `wiring`, in routing order.
        ///
        /// # Errors
        /// When a function's configuration cannot work.
        pub fn build(wiring: &Wiring) -> Result<Vec<Box<dyn Handler>>, BuildError> {
            Ok(vec![$(Box::new(<$function as Function>::build(wiring)?) as Box<dyn Handler>),*])
        }
    };
}

registry!(
    curriculum::Curriculum,
    session_create::SessionCreate,
    session_step::SessionStep,
    session_read::SessionRead,
    practice_assign::PracticeAssign,
    practice_complete::PracticeComplete,
    goals::Goals,
    practice_review::PracticeReview,
    me::Me,
    people::People,
    admin_users::AdminUsers,
    files::Files,
    transcripts_webhook::TranscriptsWebhook,
    summaries::Summaries,
    qa_query::QaQuery,
    qa_threads::QaThreads,
    nudges::Nudges,
    progress::Progress,
    privacy::Privacy,
);

/// Functions that serve no route: they answer events (a Cognito trigger, a schedule). Listed so the
/// template test knows every function the template builds.
pub const TRIGGERS: &[&str] = &["profile-created", "summaries-sweep", "nudges-run"];

/// The README's route table: one row per route, with the function serving it.
pub fn route_table() -> String {
    let mut table = String::from("| Route | Function |\n|---|---|\n");
    for function in FUNCTIONS {
        for route in function.routes {
            table.push_str(&format!("| `{}` | `{}` |\n", route.key, function.name));
        }
    }
    table
}

/// The API's OpenAPI 3.1 document (served at `/openapi.json`, committed as `openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    tutorbridge_http::openapi::document(FUNCTIONS)
}

/// [`openapi`] as the pretty-printed JSON that is committed and served.
///
/// # Errors
/// Never in practice (the document is plain data); a serialisation error otherwise.
pub fn openapi_json() -> serde_json::Result<String> {
    let mut text = openapi().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
