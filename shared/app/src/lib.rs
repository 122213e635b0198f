//! TutorBridge's use cases, one module per capability, over the ports.
//!
//! Each service takes its [`Ports`] (the table, the clock, the id source) and its settings at
//! construction — built once per cold start — and exposes the operations the functions call.
//! Typed records become table items here (each a [`records::Record`] that knows its keys from
//! [`keys`]), so no function ever spells a key; each capability's queries are named functions
//! in one place (`practice::store`, `sessions::store`, …).

pub mod access;
pub mod clock;
pub mod config;
pub mod curriculum;
pub mod directory;
mod error;
pub mod file_store;
pub mod files;
mod fingerprint;
pub mod goals;
pub mod ids;
pub mod keys;
pub mod mail_queue;
pub mod mailer;
pub mod nudges;
pub mod oversight;
pub mod people;
pub mod practice;
pub mod qa;
pub mod quota;
mod records;
pub mod seed;
pub mod sessions;
pub mod summaries;
pub mod sweep;
pub mod tutor_model;

pub use error::{AppError, error_chain};

use std::sync::Arc;

use clock::{Clock, SystemClock};
use ids::{Ids, UlidIds};

/// The table every use case shares.
pub type Store = Arc<dyn tutorbridge_table::Table>;

/// The ports every use case is built on: the table, the clock and the id source.
#[derive(Clone)]
pub struct Ports {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
    /// The bank's candidates kept per subject, shared by every service built on these ports
    /// (so a review through one drops what assign keeps in another).
    pub(crate) bank: Arc<practice::candidates::BankCandidates>,
}

impl Ports {
    /// `store` with the wall clock and ULIDs (production, the embedded default).
    pub fn new(store: Store) -> Ports {
        Ports {
            store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UlidIds),
            bank: Arc::default(),
        }
    }

    /// The same ports with another clock (tests: a fixed one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Ports {
        self.clock = clock;
        self
    }

    /// The same ports with another id source (tests: sequential ids).
    pub fn with_ids(mut self, ids: Arc<dyn Ids>) -> Ports {
        self.ids = ids;
        self
    }

    /// The same clock and ids over another table (tests: a counting one).
    pub fn with_store(mut self, store: Store) -> Ports {
        self.store = store;
        self.bank = Arc::default();
        self
    }
}

impl From<Store> for Ports {
    fn from(store: Store) -> Ports {
        Ports::new(store)
    }
}
