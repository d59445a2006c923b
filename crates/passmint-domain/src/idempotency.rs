//! Idempotency records. The scope is (account, mode, key); the fingerprint is a hash
//! of method, path and canonical body. A request first takes the key with
//! [`crate::ports::IdempotencyStore::begin_idempotent`]; the response is then stored
//! in the same transaction as the side effect it describes (an [`IdemCompletion`]
//! passed to the write), so a crash can never leave a side effect without its record.
//!
//! Issuing a pass has a shorter way for a key that is new:
//! [`crate::ports::PassStore::insert_pass_claiming`] takes the key and stores it
//! completed in the very transaction that writes the pass (the response is rendered
//! first: the pass is fully determined before it is written). When the key exists
//! it writes nothing, and the request takes the way above.

use crate::mode::Scope;
use time::{Duration, OffsetDateTime};

/// Records are kept (and replayed) this long.
pub const RETENTION: Duration = Duration::hours(24);
/// A request that has held a key this long without finishing is presumed dead, and
/// the key may be taken over.
pub const LOCK_TTL: Duration = Duration::seconds(60);
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// A response as it was first sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Proof that this request holds the key; needed to complete or release it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdemTicket {
    pub scope: Scope,
    pub key: String,
    pub lock_token: String,
}

/// What [`crate::ports::IdempotencyStore::begin_idempotent`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdemBegin {
    /// The key is ours: run the request, then complete or release.
    Started(IdemTicket),
    /// Same fingerprint, already answered: replay this.
    Replay(StoredResponse),
    /// The key is used by a request with another fingerprint.
    Mismatch,
    /// Same key, first request still running.
    InUse,
}

/// What [`crate::ports::PassStore::insert_pass_claiming`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimedInsert {
    /// The key was new: it is stored completed, with the pass, its event and
    /// `enqueued` webhook deliveries.
    Inserted { enqueued: u64 },
    /// A record of the key exists: nothing was written.
    KeyTaken,
    /// The template is no longer the version the request was validated against
    /// (changed, archived or gone): nothing was written.
    TemplateChanged,
}

/// The response to record under a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdemCompletion {
    pub ticket: IdemTicket,
    pub response: StoredResponse,
}

/// Parameters of a `begin` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdemRequest {
    pub scope: Scope,
    pub key: String,
    pub fingerprint: String,
    pub lock_token: String,
    pub now: OffsetDateTime,
}

/// Renders the response of a successful use case (an HTTP concern, supplied by the
/// server).
pub type Renderer<T> = std::sync::Arc<dyn Fn(&T) -> StoredResponse + Send + Sync>;

/// Lets a use case record its response in the same transaction as its write.
pub struct IdemFinish<T> {
    pub ticket: IdemTicket,
    pub render: Renderer<T>,
}

impl<T> IdemFinish<T> {
    pub fn complete(&self, value: &T) -> IdemCompletion {
        IdemCompletion {
            ticket: self.ticket.clone(),
            response: (self.render)(value),
        }
    }
}
