//! Signed .pkpass files of passes: the signing identity of each pass (the
//! account's for live passes, the deployment's development identity for test
//! passes), the domain -> builder mapping ([`render`]), and caches so that an
//! unchanged pass is never signed twice.
//!
//! - A built .pkpass is kept in an in-process LRU bounded in bytes
//!   (`PASSMINT_PKPASS_CACHE_BYTES`, [`cache::ByteLru`]) keyed by (pass id, pass
//!   version, template `updated_at`, identity): an update, a void, a template
//!   change or a new identity each make a new key, so a stale file is never served.
//! - A template's images are decoded once per template version
//!   ([`passmint_pkpass::PassImage`]s share their bytes and SHA-1 with every pass).
//! - Parsed identities are kept per account and `updated_at`; the development
//!   identity is read (or generated and stored, once per deployment) in the
//!   background when the server starts ([`Pkpasses::warm_up`]), or on first use
//!   if that has not finished (both share one load).
//! - Signing (an RSA signature) runs on actix's blocking pool, never on an async
//!   worker.

pub mod cache;
pub mod config;
pub mod events;
pub mod identity;
pub mod render;
pub mod warnings;

use actix_web::web;
use lru::LruCache;
use passmint_domain::DomainError;
use passmint_domain::StoreError;
use passmint_domain::ids::{AccountId, PassId, TemplateId};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::service::Passmint;
use passmint_domain::signing::SigningCredentials;
use passmint_domain::template::Template;
use passmint_pkpass::{PassImage, PkpassBuilder, SigningIdentity};
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Templates whose decoded images are kept.
const IMAGES_CAPACITY: usize = 256;

/// Why a pass could not be built. Never a client mistake: logged and answered 500.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("the pass cannot be rendered: {0:?}")]
    Render(passmint_domain::design::render::RenderProblem),
    #[error("signing identity: {0}")]
    Identity(String),
    #[error("building the pass: {0}")]
    Pkpass(#[from] passmint_pkpass::PkpassError),
    #[error("the signing task failed: {0}")]
    Blocking(String),
}

/// A signed .pkpass with its cache validators.
#[derive(Debug)]
pub struct BuiltPass {
    pub bytes: web::Bytes,
    /// Weak validator (opaque tag): the same for every build of the same pass
    /// version (the bytes differ only by the signing time).
    pub etag: String,
    /// The latest change of the pass, its template or its identity.
    pub last_modified: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum IdentityKey {
    Dev(i128),
    Account(AccountId, i128),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct BuildKey {
    pass: PassId,
    version: i64,
    template_updated: i128,
    identity: IdentityKey,
}

/// A template's images by pass file name.
pub type Images = BTreeMap<String, PassImage>;

#[derive(Clone)]
struct Loaded {
    key: IdentityKey,
    updated_at: OffsetDateTime,
    identity: Arc<SigningIdentity>,
}

/// The .pkpass service shared by every worker.
pub struct Pkpasses {
    passmint: Passmint,
    public_url: String,
    dev: tokio::sync::OnceCell<Loaded>,
    accounts: Mutex<HashMap<AccountId, Loaded>>,
    images: Mutex<LruCache<(TemplateId, i128), Arc<Images>>>,
    built: Mutex<cache::ByteLru<BuildKey, Arc<BuiltPass>>>,
    /// Passes signed by this process (cache misses), for tests and metrics.
    signed: std::sync::atomic::AtomicU64,
    events: events::EventBatcher,
    /// The landing pages' QR codes (SVG), by page URL.
    qr_codes: Mutex<LruCache<String, Arc<str>>>,
}

fn capacity(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pkpasses {
    /// The service over the use cases. Starts the event writer task, so call it
    /// on the actix runtime that serves.
    pub fn new(passmint: Passmint, public_url: String) -> Self {
        Pkpasses {
            events: events::EventBatcher::spawn(passmint.clone()),
            qr_codes: Mutex::new(LruCache::new(capacity(IMAGES_CAPACITY))),
            passmint,
            public_url,
            dev: tokio::sync::OnceCell::new(),
            accounts: Mutex::new(HashMap::new()),
            images: Mutex::new(LruCache::new(capacity(IMAGES_CAPACITY))),
            built: Mutex::new(cache::ByteLru::new(config::DEFAULT_PKPASS_CACHE_BYTES)),
            signed: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Keeps at most `max_bytes` of built passes (instead of
    /// [`config::DEFAULT_PKPASS_CACHE_BYTES`]).
    pub fn with_built_cache_bytes(self, max_bytes: usize) -> Self {
        *lock(&self.built) = cache::ByteLru::new(max_bytes);
        self
    }

    fn built_cache(&self) -> std::sync::MutexGuard<'_, cache::ByteLru<BuildKey, Arc<BuiltPass>>> {
        lock(&self.built)
    }

    /// Bytes of built passes held in memory.
    pub fn built_cache_bytes(&self) -> usize {
        self.built_cache().bytes()
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// How many passes this process has signed (cache misses).
    pub fn signed_count(&self) -> u64 {
        self.signed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The deployment's development identity: read from the store, or generated
    /// (on a blocking thread) and stored the first time any process needs it.
    pub async fn dev_credentials(&self) -> Result<SigningCredentials, BuildError> {
        match self.passmint.stored_dev_identity().await {
            Ok(c) => return Ok(c),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(DomainError::from(e).into()),
        }
        let candidate = web::block(identity::generate_development)
            .await
            .map_err(|e| BuildError::Blocking(e.to_string()))?
            .map_err(BuildError::Identity)?;
        Ok(self.passmint.dev_identity(move || Ok(candidate)).await?)
    }

    /// Loads the development identity now (reading it, or generating and storing
    /// it the first time any process of the deployment needs it), so that no
    /// download waits for it: generating it costs two RSA-2048 key pairs, tens
    /// to hundreds of milliseconds of CPU. Called in the background at start.
    pub async fn warm_up(&self) -> Result<(), BuildError> {
        self.dev_identity().await.map(|_| ())
    }

    async fn dev_identity(&self) -> Result<Loaded, BuildError> {
        self.dev
            .get_or_try_init(|| async {
                let creds = self.dev_credentials().await?;
                let identity = identity::load(&creds)?;
                Ok::<_, BuildError>(Loaded {
                    key: IdentityKey::Dev(creds.updated_at.unix_timestamp_nanos()),
                    updated_at: creds.updated_at,
                    identity: Arc::new(identity),
                })
            })
            .await
            .cloned()
    }

    async fn account_identity(&self, account: &AccountId) -> Result<Loaded, BuildError> {
        let creds = self
            .passmint
            .signing_identity(account)
            .await?
            .ok_or_else(|| {
                BuildError::Identity(format!("account {account} has no signing identity"))
            })?;
        if let Some(loaded) = lock(&self.accounts).get(account)
            && loaded.updated_at == creds.updated_at
        {
            return Ok(loaded.clone());
        }
        let loaded = Loaded {
            key: IdentityKey::Account(account.clone(), creds.updated_at.unix_timestamp_nanos()),
            updated_at: creds.updated_at,
            identity: Arc::new(identity::load(&creds)?),
        };
        lock(&self.accounts).insert(account.clone(), loaded.clone());
        Ok(loaded)
    }

    async fn identity_for(&self, pass: &Pass) -> Result<Loaded, BuildError> {
        match pass.mode {
            Mode::Test => self.dev_identity().await,
            Mode::Live => self.account_identity(&pass.account_id).await,
        }
    }

    /// The pass type identifier the pass is signed with (its push topic).
    pub async fn pass_type_id(&self, pass: &Pass) -> Result<String, BuildError> {
        let loaded = self.identity_for(pass).await?;
        Ok(loaded
            .identity
            .pass_type_identifier()
            .unwrap_or_default()
            .to_owned())
    }

    /// The credentials passes of this account and mode are signed with (and APNs
    /// pushes for them authenticated with): the account's for live passes, the
    /// development identity for test passes.
    pub async fn credentials_for(
        &self,
        account: &AccountId,
        mode: Mode,
    ) -> Result<SigningCredentials, BuildError> {
        match mode {
            Mode::Test => self.dev_credentials().await,
            Mode::Live => self
                .passmint
                .signing_identity(account)
                .await?
                .ok_or_else(|| {
                    BuildError::Identity(format!("account {account} has no signing identity"))
                }),
        }
    }

    /// Records a `url_viewed` or `downloaded` event (group-committed with the
    /// others of the moment; durable when this returns).
    pub async fn record_event(
        &self,
        pass: &Pass,
        kind: passmint_domain::event::EventType,
    ) -> Result<(), StoreError> {
        let event = self.passmint.new_event(pass, kind, serde_json::Map::new());
        self.events.record(event).await
    }

    /// The QR code of a page URL as inline SVG, rendered once per URL.
    pub fn qr_svg(&self, url: &str) -> Option<Arc<str>> {
        if let Some(svg) = lock(&self.qr_codes).get(url) {
            return Some(svg.clone());
        }
        let svg: Arc<str> = crate::routes::page::qr_svg(url)?.into();
        lock(&self.qr_codes).put(url.to_owned(), svg.clone());
        Some(svg)
    }

    /// The template's images, decoded once per template version.
    pub fn images(&self, template: &Template) -> Result<Arc<Images>, BuildError> {
        let key = (
            template.id.clone(),
            template.updated_at.unix_timestamp_nanos(),
        );
        if let Some(images) = lock(&self.images).get(&key) {
            return Ok(images.clone());
        }
        let images =
            Arc::new(render::decode_images(&template.design).map_err(BuildError::Identity)?);
        lock(&self.images).put(key, images.clone());
        Ok(images)
    }

    /// The pass's signed .pkpass, from the cache when this version was built
    /// before.
    pub async fn build(
        &self,
        pass: &Pass,
        template: &Template,
    ) -> Result<Arc<BuiltPass>, BuildError> {
        let loaded = self.identity_for(pass).await?;
        let key = BuildKey {
            pass: pass.id.clone(),
            version: pass.version,
            template_updated: template.updated_at.unix_timestamp_nanos(),
            identity: loaded.key.clone(),
        };
        if let Some(built) = self.built_cache().get(&key) {
            return Ok(built);
        }
        let images = self.images(template)?;
        let identity = loaded.identity.clone();
        let ptid = identity
            .pass_type_identifier()
            .unwrap_or_default()
            .to_owned();
        let team = identity.team_identifier().unwrap_or_default().to_owned();
        let spec = render::checked_pass_spec(
            pass,
            template,
            &render::RenderContext {
                public_url: &self.public_url,
                pass_type_identifier: &ptid,
                team_identifier: &team,
                images: &images,
            },
        )
        .map_err(BuildError::Render)?;
        let bytes = web::block(move || PkpassBuilder::new(&identity).build(&spec))
            .await
            .map_err(|e| BuildError::Blocking(e.to_string()))??;
        self.signed
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let built = Arc::new(BuiltPass {
            bytes: web::Bytes::from(bytes),
            etag: etag(&key),
            last_modified: pass
                .updated_at
                .max(template.updated_at)
                .max(loaded.updated_at),
        });
        self.built_cache().put(key, built.clone());
        Ok(built)
    }
}

impl cache::Weighed for Arc<BuiltPass> {
    fn weight(&self) -> usize {
        self.bytes.len() + self.etag.len()
    }
}

/// 16 hex digits: a digest of the cache key, stable across processes (sent as a
/// weak `ETag`).
fn etag(key: &BuildKey) -> String {
    let identity = match &key.identity {
        IdentityKey::Dev(t) => format!("dev:{t}"),
        IdentityKey::Account(a, t) => format!("{a}:{t}"),
    };
    let material = format!(
        "{}|{}|{}|{identity}",
        key.pass, key.version, key.template_updated
    );
    let digest = ring::digest::digest(&ring::digest::SHA256, material.as_bytes());
    hex::encode(&digest.as_ref()[..8])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use cache::Weighed;
    use passmint_testkit::{fixtures, memory_passmint};

    /// Warming up stores the development identity once; the passes built after
    /// it are signed with that identity, which is not generated again.
    #[actix_web::test]
    async fn warm_up_loads_the_development_identity_once() {
        let (passmint, _, _) = memory_passmint();
        assert!(matches!(
            passmint.stored_dev_identity().await,
            Err(StoreError::NotFound)
        ));
        let pkpasses = Pkpasses::new(passmint.clone(), "https://p.example".into());
        pkpasses.warm_up().await.unwrap();
        let stored = passmint.stored_dev_identity().await.unwrap();
        pkpasses.warm_up().await.unwrap();
        let account = fixtures::account();
        let template = fixtures::template(&account);
        let pass = fixtures::pass(&account, Mode::Test, &template);
        pkpasses.build(&pass, &template).await.unwrap();
        let again = passmint.stored_dev_identity().await.unwrap();
        assert_eq!(again.certificate_pem, stored.certificate_pem);
        assert_eq!(
            pkpasses
                .credentials_for(&account.id, Mode::Test)
                .await
                .unwrap()
                .certificate_pem,
            stored.certificate_pem
        );
        assert_eq!(pkpasses.signed_count(), 1);
    }

    /// The built-pass cache holds what its byte budget allows: with room for one
    /// pass, building a second evicts the first, which is then signed again.
    #[actix_web::test]
    async fn built_passes_are_evicted_by_bytes() {
        let (passmint, _, _) = memory_passmint();
        let account = fixtures::account();
        let template = fixtures::template(&account);
        let a = fixtures::pass(&account, Mode::Test, &template);
        let b = fixtures::pass(&account, Mode::Test, &template);
        let roomy = Pkpasses::new(passmint.clone(), "https://p.example".into());
        let size = roomy.build(&a, &template).await.unwrap().weight();
        roomy.build(&b, &template).await.unwrap();
        roomy.build(&a, &template).await.unwrap();
        assert_eq!(roomy.signed_count(), 2, "the default budget keeps both");

        let tight = Pkpasses::new(passmint, "https://p.example".into())
            .with_built_cache_bytes(size + size / 2);
        tight.build(&a, &template).await.unwrap();
        tight.build(&a, &template).await.unwrap();
        assert_eq!(tight.signed_count(), 1, "a is kept");
        tight.build(&b, &template).await.unwrap();
        assert!(tight.built_cache_bytes() <= size + size / 2);
        tight.build(&a, &template).await.unwrap();
        assert_eq!(
            tight.signed_count(),
            3,
            "b evicted a, which is signed again"
        );
    }
}
