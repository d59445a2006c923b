//! Encryption at rest of the credentials the database holds (docs/api.md §11):
//! signing identities (key and certificates) and webhook secrets.
//!
//! A [`Keyring`] holds the key-encryption keys: one current, which seals, and any
//! previous ones, which still open. A sealed value is self-describing text,
//! `enc:v1:<key id>:<base64(nonce || ciphertext || tag)>`, AES-256-GCM with a
//! random 96-bit nonce; the associated data is `enc:v1:<key id>:<context>`, the
//! context naming the column and the row (`webhooks.secret:wh_…`), so a sealed
//! value copied into another row or column does not open. A key's id is the first
//! 8 hex digits of the SHA-256 of the key: operators need not name keys.
//!
//! Rows are decoded without access to the store, so the keyring that opens them
//! is the one in scope ([`opening`], [`opening_async`]); each adapter runs its reads
//! in its keyring's scope. A value that is not sealed (written by a version before
//! this one) reads as it is until [`Reseal::Plain`] seals it.

use crate::dialect::{Columns, decode_error};
use crate::rows::Decode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use passmint_domain::StoreError;
use passmint_domain::ports::StoreResult;
use passmint_domain::signing::{Secret, SigningCredentials};
use passmint_domain::webhook::Webhook;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::future::Future;
use std::sync::Arc;

const PREFIX: &str = "enc:v1:";

/// The key the test suites seal with (base64 of the bytes 0 to 31); never one to
/// serve with.
pub const TEST_SECRET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A keyring of [`TEST_SECRET_KEY`] alone, for test suites.
pub fn test_keyring() -> Arc<Keyring> {
    let key: KeyBytes = std::array::from_fn(|i| i as u8);
    Arc::new(Keyring::new(&key, &[]))
}

/// A key-encryption key: 32 bytes.
pub type KeyBytes = [u8; 32];

struct Key {
    id: String,
    aead: LessSafeKey,
}

/// The key-encryption keys: the first seals, every one opens.
pub struct Keyring {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

/// The id of a key: the first 8 hex digits of its SHA-256.
pub fn key_id(key: &KeyBytes) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key);
    digest.as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A key as operators give it: base64 of 32 bytes (surrounding white space ignored).
pub fn parse_key(text: &str) -> Result<KeyBytes, String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "is not base64 (make one with `openssl rand -base64 32`)".to_owned())?;
    KeyBytes::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "holds {} bytes, not 32 (make one with `openssl rand -base64 32`)",
            bytes.len()
        )
    })
}

/// Whether a stored value is sealed (else it is plain text of an earlier version).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

fn sealed_key_id(stored: &str) -> Option<&str> {
    stored.strip_prefix(PREFIX)?.split(':').next()
}

fn aad(id: &str, context: &str) -> String {
    format!("{PREFIX}{id}:{context}")
}

impl Keyring {
    /// A keyring sealing with `current` and opening with it and `previous` (a
    /// previous key equal to the current one is kept once).
    pub fn new(current: &KeyBytes, previous: &[KeyBytes]) -> Keyring {
        let mut keys: Vec<Key> = Vec::with_capacity(previous.len() + 1);
        for bytes in std::iter::once(current).chain(previous) {
            let id = key_id(bytes);
            if keys.iter().any(|k| k.id == id) {
                continue;
            }
            // A 32-byte key is always a valid AES-256 key.
            if let Ok(unbound) = UnboundKey::new(&AES_256_GCM, bytes) {
                keys.push(Key {
                    id,
                    aead: LessSafeKey::new(unbound),
                });
            }
        }
        Keyring { keys }
    }

    /// A keyring without keys: it opens nothing sealed and seals nothing (a store
    /// given no key; the server always gives one).
    pub fn empty() -> Keyring {
        Keyring { keys: Vec::new() }
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> Option<&str> {
        self.keys.first().map(|k| k.id.as_str())
    }

    /// `plain` sealed under the current key for `context` (the column and row).
    pub fn seal(&self, context: &str, plain: &str) -> StoreResult<String> {
        let key = self.keys.first().ok_or_else(|| {
            StoreError::Backend("no secret key: credentials cannot be stored".into())
        })?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| StoreError::Backend("no randomness for a nonce".into()))?;
        let mut data = plain.as_bytes().to_vec();
        key.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(&key.id, context).as_bytes()),
                &mut data,
            )
            .map_err(|_| StoreError::Backend("cannot seal a credential".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}:{}", key.id, STANDARD.encode(out)))
    }

    /// The plain text of a stored value: a sealed one opened with the key it names,
    /// a plain one (an earlier version's) as it is.
    pub fn open(&self, context: &str, stored: &str) -> StoreResult<String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let failed = |why: &str| decode_error(&format!("sealed {context}"), why);
        let (id, body) = rest.split_once(':').ok_or_else(|| failed("malformed"))?;
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| {
            failed(&format!(
                "sealed with key {id}, which is neither PASSMINT_SECRET_KEY nor one of \
                 PASSMINT_PREVIOUS_SECRET_KEYS"
            ))
        })?;
        let mut data = STANDARD.decode(body).map_err(|_| failed("malformed"))?;
        if data.len() < NONCE_LEN {
            return Err(failed("malformed"));
        }
        let mut ciphertext = data.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&data).map_err(|_| failed("malformed"))?;
        let plain = key
            .aead
            .open_in_place(
                nonce,
                Aad::from(aad(id, context).as_bytes()),
                &mut ciphertext,
            )
            .map_err(|_| failed("does not open (altered, or moved from another row)"))?;
        String::from_utf8(plain.to_vec()).map_err(|_| failed("not UTF-8"))
    }

    /// Whether a stored value is sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        sealed_key_id(stored).is_some_and(|id| Some(id) == self.current_id())
    }
}

tokio::task_local! {
    static KEYRING: Arc<Keyring>;
}

/// Runs `f` (which decodes rows) with `keyring` opening sealed columns.
pub fn opening<R>(keyring: &Arc<Keyring>, f: impl FnOnce() -> R) -> R {
    KEYRING.sync_scope(keyring.clone(), f)
}

/// [`opening`] for a future.
pub async fn opening_async<F: Future>(keyring: &Arc<Keyring>, f: F) -> F::Output {
    KEYRING.scope(keyring.clone(), f).await
}

/// The plain text of a sealed column, opened by the keyring in scope.
pub(crate) fn open_text(stored: String, context: &str) -> StoreResult<String> {
    if !is_sealed(&stored) {
        return Ok(stored);
    }
    KEYRING
        .try_with(|k| k.open(context, &stored))
        .unwrap_or_else(|_| {
            Err(StoreError::Backend(format!(
                "no keyring in scope to open {context}"
            )))
        })
}

/// The context of a signing identity's column: the column and the identity.
pub(crate) fn signing_context(column: &str, team: &str, pass_type: &str) -> String {
    format!("signing.{column}:{team}:{pass_type}")
}

/// The context of a webhook's secret column.
pub(crate) fn webhook_context(column: &str, id: &str) -> String {
    format!("webhooks.{column}:{id}")
}

/// A signing identity as it is stored: its key and certificates sealed.
pub fn sealed_identity(
    keyring: &Keyring,
    i: &SigningCredentials,
) -> StoreResult<SigningCredentials> {
    let seal = |column: &str, plain: &str| {
        keyring.seal(
            &signing_context(column, &i.team_identifier, &i.pass_type_identifier),
            plain,
        )
    };
    Ok(SigningCredentials {
        certificate_pem: seal("certificate_pem", &i.certificate_pem)?,
        private_key_pem: Secret::new(seal("private_key_pem", i.private_key_pem.expose())?),
        wwdr_pem: seal("wwdr_pem", &i.wwdr_pem)?,
        ..i.clone()
    })
}

/// A webhook's secrets as they are stored, for [`crate::webhook_binds`].
pub struct SealedSecrets {
    pub(crate) secret: String,
    pub(crate) previous: Option<String>,
}

impl SealedSecrets {
    pub fn of(keyring: &Keyring, w: &Webhook) -> StoreResult<SealedSecrets> {
        let id = w.id.as_str();
        Ok(SealedSecrets {
            secret: keyring.seal(&webhook_context("secret", id), w.secret.expose())?,
            previous: w
                .previous_secret
                .as_ref()
                .map(|p| keyring.seal(&webhook_context("previous_secret", id), p.secret.expose()))
                .transpose()?,
        })
    }
}

/// One column that holds sealed values: its table, the SQL of its row's key and
/// of its context's row part.
pub struct SealedColumn {
    table: &'static str,
    column: &'static str,
    key: &'static str,
    /// `signing` or `webhooks`: the context's first part.
    kind: &'static str,
    context: &'static str,
}

const SIGNING_CONTEXT: &str = "team_identifier || ':' || pass_type_identifier";

/// Every column of the schema that holds sealed values.
pub const SEALED_COLUMNS: [SealedColumn; 8] = [
    signing("signing_identities", "account_id", "certificate_pem"),
    signing("signing_identities", "account_id", "private_key_pem"),
    signing("signing_identities", "account_id", "wwdr_pem"),
    signing("dev_identity", "CAST(id AS TEXT)", "certificate_pem"),
    signing("dev_identity", "CAST(id AS TEXT)", "private_key_pem"),
    signing("dev_identity", "CAST(id AS TEXT)", "wwdr_pem"),
    webhook("secret"),
    webhook("previous_secret"),
];

const fn signing(table: &'static str, key: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn {
        table,
        column,
        key,
        kind: "signing",
        context: SIGNING_CONTEXT,
    }
}

const fn webhook(column: &'static str) -> SealedColumn {
    SealedColumn {
        table: "webhooks",
        column,
        key: "id",
        kind: "webhooks",
        context: "id",
    }
}

impl SealedColumn {
    /// The stored values of the column that `which` seals anew, as [`StoredValue`]
    /// reads them.
    pub fn select(&self, keyring: &Keyring, which: Reseal) -> String {
        let skipped = match which {
            Reseal::Plain => PREFIX.to_owned(),
            Reseal::All => format!("{PREFIX}{}:", keyring.current_id().unwrap_or_default()),
        };
        format!(
            "SELECT {key} AS row_key, {context} AS context, {column} AS stored FROM {table} \
             WHERE {column} IS NOT NULL AND substr({column}, 1, {len}) <> '{skipped}'",
            key = self.key,
            context = self.context,
            column = self.column,
            table = self.table,
            len = skipped.len(),
        )
    }

    /// Replaces one value (`$1`) of the row `$2` if it still holds `$3`.
    pub fn update(&self) -> String {
        format!(
            "UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3",
            key = self.key,
            column = self.column,
            table = self.table,
        )
    }

    /// The value sealed anew under the current key, when `which` asks for it.
    pub fn resealed(
        &self,
        keyring: &Keyring,
        row: &StoredValue,
        which: Reseal,
    ) -> StoreResult<Option<String>> {
        let wanted = match which {
            Reseal::Plain => !is_sealed(&row.stored),
            Reseal::All => !keyring.is_current(&row.stored),
        };
        if !wanted {
            return Ok(None);
        }
        let context = format!("{}.{}:{}", self.kind, self.column, row.context);
        let plain = keyring.open(&context, &row.stored)?;
        keyring.seal(&context, &plain).map(Some)
    }
}

/// Which stored values [`SealedColumn::resealed`] seals anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reseal {
    /// Only plain values (the step after migrations).
    Plain,
    /// Every value not sealed under the current key (`passmint secrets rotate-key`).
    All,
}

/// One stored value of a [`SealedColumn`].
pub struct StoredValue {
    pub row_key: String,
    pub context: String,
    pub stored: String,
}

impl Decode for StoredValue {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(StoredValue {
            row_key: c.text("row_key")?,
            context: c.text("context")?,
            stored: c.text("stored")?,
        })
    }
}

/// What a pass over [`SEALED_COLUMNS`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// The id of the key everything was sealed with.
    pub key_id: String,
    /// Values found not sealed as the pass asks (plain ones, or those not under the
    /// current key).
    pub values: u64,
    /// Values sealed anew.
    pub resealed: u64,
    /// Values changed by another writer between the read and the update (left as
    /// that writer wrote them).
    pub changed_meanwhile: u64,
}

impl ResealReport {
    /// A report of a pass with `keyring`.
    pub fn new(keyring: &Keyring) -> Self {
        ResealReport {
            key_id: keyring.current_id().unwrap_or_default().to_owned(),
            ..ResealReport::default()
        }
    }

    /// Counts a value's conditional update: `updated` rows (1, or 0 when another
    /// writer changed the value meanwhile).
    pub fn count(&mut self, updated: usize) {
        if updated == 1 {
            self.resealed += 1;
        } else {
            self.changed_meanwhile += 1;
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    fn ring(seed: u8) -> Keyring {
        Keyring::new(&[seed; 32], &[])
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context_only() {
        let k = ring(1);
        let sealed = k.seal("webhooks.secret:wh_1", "whsec_abc").expect("seal");
        assert!(sealed.starts_with(&format!("enc:v1:{}:", key_id(&[1; 32]))));
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(
            k.open("webhooks.secret:wh_1", &sealed).as_deref(),
            Ok("whsec_abc")
        );
        assert!(k.open("webhooks.secret:wh_2", &sealed).is_err());
        assert!(ring(2).open("webhooks.secret:wh_1", &sealed).is_err());
        let both = Keyring::new(&[2; 32], &[[1; 32]]);
        assert_eq!(
            both.open("webhooks.secret:wh_1", &sealed).as_deref(),
            Ok("whsec_abc")
        );
        assert!(!both.is_current(&sealed) && k.is_current(&sealed));
    }

    #[test]
    fn an_altered_value_does_not_open() {
        let k = ring(1);
        let sealed = k.seal("c", "plain").expect("seal");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(bytes).expect("ascii");
        assert!(k.open("c", &altered).is_err());
    }

    #[test]
    fn the_test_keyring_is_the_test_key() {
        let key = parse_key(TEST_SECRET_KEY).expect("base64 of 32 bytes");
        assert_eq!(test_keyring().current_id(), Some(key_id(&key).as_str()));
    }

    #[test]
    fn plain_values_read_as_they_are_and_keys_parse_from_base64() {
        assert_eq!(ring(1).open("c", "whsec_x").as_deref(), Ok("whsec_x"));
        assert_eq!(parse_key(&STANDARD.encode([7u8; 32])), Ok([7u8; 32]));
        assert!(parse_key("c2hvcnQ=").is_err());
        assert!(parse_key("not base64!").is_err());
        assert!(Keyring::empty().seal("c", "x").is_err());
    }

    #[test]
    fn opening_needs_a_keyring_in_scope() {
        let k = Arc::new(ring(1));
        let sealed = k.seal("c", "plain").expect("seal");
        assert!(open_text(sealed.clone(), "c").is_err());
        assert_eq!(
            opening(&k, || open_text(sealed, "c")).as_deref(),
            Ok("plain")
        );
    }
}
