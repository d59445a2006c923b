//! Command line: `serve` (the default), `migrate`, `accounts create`, `keys create`,
//! `keys list`, `keys revoke` (docs/api.md §9), `secrets rotate-key` (docs/api.md §11).
//! Commands that mint keys print JSON on stdout; logs go to stderr.

pub use crate::compose::CliError;
use crate::compose::{self, open_store, passmint_over};
use crate::config::{DbConfig, ServeConfig, database_url};
use crate::secrets::SecretKeyConfig;
use clap::{Parser, Subcommand};
use passmint_domain::Mode;
use passmint_domain::ids::AccountId;
use passmint_domain::service::Passmint;

#[derive(Parser, Debug)]
#[command(
    name = "passmint",
    version,
    about = "Issue and update Apple Wallet passes through a REST API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once at start-up and never moved around: the size of `Serve` costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the API server (the default).
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate(DbConfig),
    /// Manage accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the key that encrypts stored credentials.
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

#[derive(Subcommand, Debug)]
pub enum SecretsCommand {
    /// Encrypt every stored credential under PASSMINT_SECRET_KEY, opening those
    /// under the keys of PASSMINT_PREVIOUS_SECRET_KEYS; safe while servers run.
    /// Prints `{"key_id","values","resealed","changed_meanwhile"}`.
    RotateKey(DbConfig),
}

#[derive(Subcommand, Debug)]
pub enum AccountsCommand {
    /// Create an account and print its id with one test and one live key.
    Create {
        #[arg(long)]
        name: String,
        /// Most live passes the account may issue (default: unlimited).
        #[arg(long)]
        live_pass_limit: Option<i64>,
        #[command(flatten)]
        db: DbConfig,
    },
    /// Set the account's signing identity (Pass Type ID certificate, its private key
    /// and Apple's WWDR certificate), checked before it is stored. Prints the pass
    /// type identifier, team identifier and expiry; never the key.
    SetSigningIdentity(SetSigningIdentityArgs),
    /// Show an account: its live pass limit and its signing identity's expiry.
    Show {
        #[arg(long)]
        account: String,
        #[command(flatten)]
        db: DbConfig,
    },
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["p12", "cert"])))]
pub struct SetSigningIdentityArgs {
    #[arg(long)]
    pub account: String,
    /// A .p12 (PKCS#12) file holding the certificate and its key (legacy RC2
    /// exports of macOS Keychain included).
    #[arg(long, conflicts_with_all = ["cert", "key", "key_password"])]
    pub p12: Option<std::path::PathBuf>,
    /// The .p12 file's password.
    #[arg(
        long,
        env = "PASSMINT_P12_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    pub p12_password: String,
    /// The Pass Type ID certificate, PEM or DER.
    #[arg(long, requires = "key")]
    pub cert: Option<std::path::PathBuf>,
    /// The certificate's private key, PEM (or DER).
    #[arg(long, requires = "cert")]
    pub key: Option<std::path::PathBuf>,
    /// The private key's password, when it is encrypted.
    #[arg(long, env = "PASSMINT_KEY_PASSWORD", hide_env_values = true)]
    pub key_password: Option<String>,
    /// Apple's WWDR intermediate certificate that issued the pass certificate.
    #[arg(long)]
    pub wwdr: std::path::PathBuf,
    #[command(flatten)]
    pub db: DbConfig,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create an API key for an account and print it (shown once).
    Create {
        #[arg(long)]
        account: String,
        #[arg(long, value_parser = ["test", "live"])]
        mode: String,
        #[command(flatten)]
        db: DbConfig,
    },
    /// List an account's keys, newest first: id, prefix, mode, creation and
    /// revocation times (never a key).
    List {
        #[arg(long)]
        account: String,
        #[command(flatten)]
        db: DbConfig,
    },
    /// Revoke an API key, given in full or by its id (`--id key_…`, as `keys list`
    /// shows it).
    Revoke {
        #[arg(required_unless_present = "id", conflicts_with = "id")]
        key: Option<String>,
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        db: DbConfig,
    },
}

/// Logs to stderr through a background writer thread, so request handling never
/// waits on the terminal or a pipe. Keep the returned guard alive until exit: it
/// flushes what is buffered when dropped.
pub fn init_tracing() -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init();
    guard
}

fn print_json(v: serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}

/// Creates an account with a test and a live key, answering
/// `{"account_id","test_key","live_key"}`.
pub async fn create_account(
    database_url: &str,
    secrets: &SecretKeyConfig,
    name: &str,
    live_pass_limit: Option<i64>,
) -> Result<serde_json::Value, CliError> {
    let pm = admin(database_url, secrets).await?;
    let (account, test, live) = pm.create_account(name, live_pass_limit).await?;
    Ok(serde_json::json!({
        "account_id": account.id.as_str(),
        "test_key": test.key,
        "live_key": live.key,
    }))
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        None => match Cli::try_parse_from(["passmint", "serve"]) {
            Ok(Cli {
                command: Some(Command::Serve(cfg)),
            }) => serve(cfg).await,
            Ok(_) => Err(CliError::Usage(
                "could not read the serve configuration".into(),
            )),
            Err(e) => Err(CliError::Usage(e.to_string())),
        },
        Some(Command::Serve(cfg)) => serve(cfg).await,
        Some(Command::Migrate(db)) => {
            let url = database_url(&db.database_url);
            open_store(&url, 1, &db.secrets).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Some(Command::Accounts(AccountsCommand::Create {
            name,
            live_pass_limit,
            db,
        })) => {
            let url = database_url(&db.database_url);
            let created = create_account(&url, &db.secrets, &name, live_pass_limit).await?;
            print_json(created);
            Ok(())
        }
        Some(Command::Accounts(AccountsCommand::SetSigningIdentity(args))) => {
            print_json(set_signing_identity(&args).await?);
            Ok(())
        }
        Some(Command::Accounts(AccountsCommand::Show { account, db })) => {
            print_json(show_account(&db, &account).await?);
            Ok(())
        }
        Some(Command::Keys(KeysCommand::Create { account, mode, db })) => {
            let account_id = parse_account(&account)?;
            let mode = Mode::parse(&mode)
                .ok_or_else(|| CliError::Usage("mode must be test or live".into()))?;
            let pm = admin(&database_url(&db.database_url), &db.secrets).await?;
            let minted = pm.create_key(&account_id, mode).await?;
            print_json(serde_json::json!({
                "account_id": account_id.as_str(),
                "mode": mode.as_str(),
                "key": minted.key,
            }));
            Ok(())
        }
        Some(Command::Keys(KeysCommand::List { account, db })) => {
            print_json(list_keys(&db, &account).await?);
            Ok(())
        }
        Some(Command::Keys(KeysCommand::Revoke { key, id, db })) => {
            let which = match (&key, &id) {
                (_, Some(id)) => KeyRef::Id(id),
                (Some(key), None) => KeyRef::Key(key),
                (None, None) => return Err(CliError::Usage("give a key or --id key_…".into())),
            };
            print_json(revoke_key(&database_url(&db.database_url), &db.secrets, which).await?);
            Ok(())
        }
        Some(Command::Secrets(SecretsCommand::RotateKey(db))) => {
            print_json(rotate_key(&database_url(&db.database_url), &db.secrets).await?);
            Ok(())
        }
    }
}

/// The key `keys revoke` names: in full, or by its id.
#[derive(Clone, Copy, Debug)]
pub enum KeyRef<'a> {
    Key(&'a str),
    Id(&'a str),
}

/// `keys revoke`: answers `{"revoked","id","key_prefix","account_id","mode",
/// "revoked_at"}` (the first revocation time when it was revoked already).
pub async fn revoke_key(
    database_url: &str,
    secrets: &SecretKeyConfig,
    which: KeyRef<'_>,
) -> Result<serde_json::Value, CliError> {
    let pm = admin(database_url, secrets).await?;
    let revoked = match which {
        KeyRef::Key(key) => pm.revoke_key(key).await?,
        KeyRef::Id(id) => pm.revoke_key_by_id(id).await?,
    };
    Ok(serde_json::json!({
        "revoked": true,
        "id": revoked.id.as_str(),
        "key_prefix": revoked.display_prefix,
        "account_id": revoked.account_id.as_str(),
        "mode": revoked.mode.as_str(),
        "revoked_at": revoked.revoked_at.map(crate::http::timestamp),
    }))
}

/// `keys list`: answers `{"account_id","keys":[{"id","prefix","mode","created_at",
/// "revoked_at"}]}`, newest first: the prefix is the part of a key safe to show,
/// never the key or its hash.
pub async fn list_keys(db: &DbConfig, account: &str) -> Result<serde_json::Value, CliError> {
    let (pm, account_id) = for_account(db, account).await?;
    let keys = pm.list_keys(&account_id).await?;
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "id": k.id.as_str(),
                "prefix": k.display_prefix,
                "mode": k.mode.as_str(),
                "created_at": crate::http::timestamp(k.created_at),
                "revoked_at": k.revoked_at.map(crate::http::timestamp),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "account_id": account_id.as_str(),
        "keys": keys,
    }))
}

pub async fn serve(cfg: ServeConfig) -> Result<(), CliError> {
    let (server, addrs) = compose::bind(&cfg).await?;
    for addr in addrs {
        let public_url = cfg
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        tracing::info!(%addr, public_url = %public_url, "passmint listening");
    }
    server.await?;
    Ok(())
}

fn parse_account(account: &str) -> Result<AccountId, CliError> {
    AccountId::parse(account)
        .ok_or_else(|| CliError::Usage(format!("'{account}' is not an account id (acct_…)")))
}

/// The service over the configured store, with the small pool an admin command
/// needs.
async fn admin(database_url: &str, secrets: &SecretKeyConfig) -> Result<Passmint, CliError> {
    Ok(passmint_over(open_store(database_url, 2, secrets).await?))
}

/// The account a command names (checked before the store is opened) and the
/// service over the configured store.
async fn for_account(db: &DbConfig, account: &str) -> Result<(Passmint, AccountId), CliError> {
    let account_id = parse_account(account)?;
    let pm = admin(&database_url(&db.database_url), &db.secrets).await?;
    Ok((pm, account_id))
}

/// `accounts set-signing-identity`: loads the identity with the pass builder (so a
/// wrong password, a key of another certificate or the wrong WWDR certificate is
/// refused with the builder's explanation), stores it, and answers
/// `{"account_id","pass_type_identifier","team_identifier","not_after"}`.
pub async fn set_signing_identity(
    args: &SetSigningIdentityArgs,
) -> Result<serde_json::Value, CliError> {
    use crate::pkpass::identity::{IdentitySource, load_files, to_credentials};
    let account_id = parse_account(&args.account)?;
    let source = match (&args.p12, &args.cert, &args.key) {
        (Some(p12), _, _) => IdentitySource::P12 {
            p12,
            password: &args.p12_password,
        },
        (None, Some(cert), Some(key)) => IdentitySource::Pem {
            cert,
            key,
            key_password: args.key_password.as_deref(),
        },
        _ => {
            return Err(CliError::Usage(
                "give --p12 FILE, or --cert FILE and --key FILE".into(),
            ));
        }
    };
    let identity = load_files(source, &args.wwdr).map_err(|e| CliError::Usage(e.to_string()))?;
    let credentials = to_credentials(&identity).map_err(CliError::Usage)?;
    let pm = admin(&database_url(&args.db.database_url), &args.db.secrets).await?;
    let stored = pm.set_signing_identity(&account_id, credentials).await?;
    Ok(serde_json::json!({
        "account_id": account_id.as_str(),
        "pass_type_identifier": stored.pass_type_identifier,
        "team_identifier": stored.team_identifier,
        "not_after": crate::http::timestamp(stored.not_after),
    }))
}

/// `secrets rotate-key`: every stored credential sealed under the current key,
/// answering `{"key_id","values","resealed","changed_meanwhile"}` (docs/api.md §11).
pub async fn rotate_key(
    database_url: &str,
    secrets: &SecretKeyConfig,
) -> Result<serde_json::Value, CliError> {
    let report = compose::rotate_key(database_url, secrets).await?;
    Ok(serde_json::json!({
        "key_id": report.key_id,
        "values": report.values,
        "resealed": report.resealed,
        "changed_meanwhile": report.changed_meanwhile,
    }))
}

/// What `accounts show` says of NFC (docs/api.md §3): the certificate does not
/// tell whether Apple enabled it for NFC.
pub const NFC_CERTIFICATE_NOTE: &str = "passes with design.nfc work only when Apple enabled \
    this Pass Type ID certificate for NFC (request it in Apple's developer portal; the \
    certificate itself does not say)";

/// `accounts show`: the account, its live pass limit and its signing identity
/// (without the key) with the days left before the certificate expires.
pub async fn show_account(db: &DbConfig, account: &str) -> Result<serde_json::Value, CliError> {
    let (pm, account_id) = for_account(db, account).await?;
    let account = pm.get_account(&account_id).await?;
    let identity = pm.signing_identity(&account_id).await?.map(|i| {
        let now = pm.now();
        serde_json::json!({
            "pass_type_identifier": i.pass_type_identifier,
            "team_identifier": i.team_identifier,
            "not_after": crate::http::timestamp(i.not_after),
            "days_left": (i.not_after - now).whole_days(),
            "expires_soon": i.expires_within(now, crate::pkpass::warnings::EXPIRY_WARNING_DAYS),
            "updated_at": crate::http::timestamp(i.updated_at),
            "nfc": NFC_CERTIFICATE_NOTE,
        })
    });
    Ok(serde_json::json!({
        "account_id": account.id.as_str(),
        "name": account.name,
        "live_pass_limit": account.live_pass_limit,
        "created_at": crate::http::timestamp(account.created_at),
        "signing_identity": identity,
    }))
}
