//! The key-encryption keys of the credentials the database holds (docs/api.md §11):
//! `PASSMINT_SECRET_KEY` (required with PostgreSQL; with SQLite, when unset, a key
//! file beside the database made once) and `PASSMINT_PREVIOUS_SECRET_KEYS`.

use crate::compose::CliError;
use clap::Args;
use passmint_store_sql::sealing::{KeyBytes, Keyring, key_id, parse_key};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAKE_ONE: &str = "make one with `openssl rand -base64 32`";

#[derive(Args, Clone, Default)]
pub struct SecretKeyConfig {
    /// Key that encrypts the credentials stored in the database: base64 of 32 bytes.
    /// Required with PostgreSQL; with SQLite it defaults to a key file made beside
    /// the database (`<database>.key`).
    #[arg(
        long = "secret-key",
        env = "PASSMINT_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// Earlier keys (comma-separated, base64), still read while
    /// `passmint secrets rotate-key` encrypts everything under the current one.
    #[arg(
        long = "previous-secret-keys",
        env = "PASSMINT_PREVIOUS_SECRET_KEYS",
        hide_env_values = true
    )]
    pub previous_secret_keys: Option<String>,
}

/// Never shows a key, only whether one is given.
impl std::fmt::Debug for SecretKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKeyConfig")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "previous_secret_keys",
                &self.previous_secret_keys.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SecretKeyConfig {
    /// Configuration with `key` as `PASSMINT_SECRET_KEY`.
    pub fn with_key(key: &str) -> Self {
        SecretKeyConfig {
            secret_key: Some(key.to_owned()),
            previous_secret_keys: None,
        }
    }

    /// The previous keys, in the order given.
    fn previous(&self) -> Result<Vec<KeyBytes>, CliError> {
        let Some(list) = given(&self.previous_secret_keys) else {
            return Ok(Vec::new());
        };
        list.split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .enumerate()
            .map(|(i, k)| {
                parse_key(k).map_err(|e| {
                    CliError::Usage(format!("PASSMINT_PREVIOUS_SECRET_KEYS: key {} {e}", i + 1))
                })
            })
            .collect()
    }

    /// The keyring of a PostgreSQL database: `PASSMINT_SECRET_KEY` is required.
    pub fn postgres_keyring(&self) -> Result<Keyring, CliError> {
        let key = given(&self.secret_key).ok_or_else(|| {
            CliError::Usage(format!(
                "PASSMINT_SECRET_KEY is required with PostgreSQL (it encrypts the stored \
                 credentials): {MAKE_ONE}"
            ))
        })?;
        self.keyring(key)
    }

    /// The keyring of the SQLite database `db`: `PASSMINT_SECRET_KEY`, else the key
    /// file `<db>.key`, made (mode 0600) when missing.
    pub fn sqlite_keyring(&self, db: &Path) -> Result<Keyring, CliError> {
        match given(&self.secret_key) {
            Some(key) => self.keyring(key),
            None => {
                let key = key_file(db)?;
                self.keyring(&key)
            }
        }
    }

    fn keyring(&self, current: &str) -> Result<Keyring, CliError> {
        let current =
            parse_key(current).map_err(|e| CliError::Usage(format!("PASSMINT_SECRET_KEY {e}")))?;
        let previous = self.previous()?;
        tracing::debug!(
            key_id = %key_id(&current),
            previous = previous.len(),
            "secret keys read"
        );
        Ok(Keyring::new(&current, &previous))
    }
}

/// The key file of the SQLite database at `db`.
pub fn key_file_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// The text of the key file beside `db`, made once: written to a file of its own
/// (mode 0600) and linked into place, so that processes starting together all read
/// the first one made.
fn key_file(db: &Path) -> Result<String, CliError> {
    let path = key_file_path(db);
    let failed = |e: std::io::Error| {
        CliError::Usage(format!("cannot use the key file {}: {e}", path.display()))
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => return Ok(text),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(e)),
        Err(_) => {}
    }
    let mut key = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
        .map_err(|_| CliError::Usage("no randomness for a new secret key".into()))?;
    let text = format!(
        "{}\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key)
    );
    let mut draft = path.as_os_str().to_owned();
    draft.push(format!(".{}.new", std::process::id()));
    let draft = PathBuf::from(draft);
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&draft)?;
        // The mode whatever the umask.
        std::fs::set_permissions(&draft, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::hard_link(&draft, &path)
    })();
    let _ = std::fs::remove_file(&draft);
    match written {
        Ok(()) => {
            tracing::info!(path = %path.display(), "made the secret key file");
            Ok(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read_to_string(&path).map_err(failed)
        }
        Err(e) => Err(failed(e)),
    }
}
