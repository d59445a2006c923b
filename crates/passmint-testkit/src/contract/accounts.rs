//! [`passmint_domain::ports::AccountStore`]: accounts and API keys.

use super::{assert_duplicate, assert_not_found, seed_account};
use crate::fixtures;
use passmint_domain::account::ApiKey;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use std::sync::Arc;
use time::Duration;

async fn insert_key(store: &dyn Store, key: &ApiKey) {
    store.insert_api_key(key).await.expect("insert_api_key");
}

/// An inserted account reads back equal.
pub async fn insert_and_get_account(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let mut account = fixtures::account();
    account.live_pass_limit = Some(3);
    store
        .insert_account(&account)
        .await
        .expect("insert_account");
    assert_eq!(store.get_account(&account.id).await, Ok(account.clone()));
    let unlimited = seed_account(&*store).await;
    assert_eq!(store.get_account(&unlimited.id).await, Ok(unlimited));
}

/// `insert_account` MUST return `Duplicate` when the id exists (and keep the first).
pub async fn insert_account_twice_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let mut again = fixtures::account();
    again.id = account.id.clone();
    assert_duplicate(
        store.insert_account(&again).await,
        "insert_account with an existing id",
    );
    assert_eq!(store.get_account(&account.id).await, Ok(account));
}

/// `get_account` MUST return `NotFound` for an unknown id.
pub async fn get_unknown_account_not_found(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    seed_account(&*store).await;
    assert_not_found(
        store.get_account(&fixtures::account().id).await,
        "get_account of an unknown id",
    );
}

/// An inserted key is found by its hash, in its mode.
pub async fn insert_and_find_api_key(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    for mode in [Mode::Test, Mode::Live] {
        let key = fixtures::api_key(&account, mode);
        insert_key(&*store, &key).await;
        let found = store.find_api_key(&key.key_hash).await;
        assert_eq!(found, Ok(key), "a {mode:?} key found by its hash");
    }
}

/// `find_api_key` answers `NotFound` when no key has the hash.
pub async fn find_unknown_api_key_not_found(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    insert_key(&*store, &fixtures::api_key(&account, Mode::Test)).await;
    let unknown = fixtures::api_key(&account, Mode::Test);
    assert_not_found(
        store.find_api_key(&unknown.key_hash).await,
        "find_api_key of an unknown hash",
    );
}

/// `insert_api_key` MUST return `Duplicate` when the hash is already stored, and keep
/// the first key.
pub async fn api_key_duplicate_hash_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let key = fixtures::api_key(&account, Mode::Test);
    insert_key(&*store, &key).await;
    let mut same_hash = fixtures::api_key(&other, Mode::Live);
    same_hash.key_hash = key.key_hash.clone();
    assert_duplicate(
        store.insert_api_key(&same_hash).await,
        "insert_api_key with a stored hash",
    );
    assert_eq!(store.find_api_key(&key.key_hash).await, Ok(key));
}

/// `insert_api_key` MUST return `NotFound` when the account does not exist, and
/// store nothing.
pub async fn api_key_for_missing_account_not_found(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    seed_account(&*store).await;
    let ghost = fixtures::account();
    let key = fixtures::api_key(&ghost, Mode::Test);
    assert_not_found(
        store.insert_api_key(&key).await,
        "insert_api_key for an unknown account",
    );
    assert_not_found(
        store.find_api_key(&key.key_hash).await,
        "find_api_key of a key refused for its missing account",
    );
}

/// `revoke_api_key` marks the key revoked at `at`, returns it, and keeps the first
/// revocation time when revoked again. Other keys stay untouched.
pub async fn revoke_api_key_keeps_first_time(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let key = fixtures::api_key(&account, Mode::Live);
    let bystander = fixtures::api_key(&account, Mode::Live);
    insert_key(&*store, &key).await;
    insert_key(&*store, &bystander).await;

    let first = fixtures::timestamp();
    let mut revoked = key.clone();
    revoked.revoked_at = Some(first);
    for (at, what) in [
        (first, "revoke_api_key returns the key revoked at `at`"),
        (
            first + Duration::hours(1),
            "a second revoke_api_key keeps the first revocation time",
        ),
    ] {
        let got = store.revoke_api_key(&key.key_hash, at).await;
        assert_eq!(got, Ok(revoked.clone()), "{what}");
        let found = store.find_api_key(&key.key_hash).await;
        assert_eq!(
            found,
            Ok(revoked.clone()),
            "find_api_key returns revoked keys"
        );
    }
    assert_eq!(store.find_api_key(&bystander.key_hash).await, Ok(bystander));
}

/// `revoke_api_key` answers `NotFound` when no key has the hash.
pub async fn revoke_unknown_api_key_not_found(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let unknown = fixtures::api_key(&account, Mode::Test);
    assert_not_found(
        store
            .revoke_api_key(&unknown.key_hash, fixtures::timestamp())
            .await,
        "revoke_api_key of an unknown hash",
    );
}

/// `revocation_generation` moves when a key becomes revoked, and only then: not
/// when a key is created, nor when a revoked key is revoked again.
pub async fn revocation_generation_moves_with_revocations(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let generation = async || {
        store
            .revocation_generation()
            .await
            .expect("revocation_generation")
    };
    let start = generation().await;
    let keys = [
        fixtures::api_key(&account, Mode::Live),
        fixtures::api_key(&account, Mode::Test),
    ];
    for key in &keys {
        insert_key(&*store, key).await;
    }
    assert_eq!(generation().await, start, "creating keys revokes nothing");
    let at = fixtures::timestamp();
    store.revoke_api_key(&keys[0].key_hash, at).await.unwrap();
    let first = generation().await;
    assert_ne!(first, start, "a revocation moves the generation");
    store.revoke_api_key(&keys[0].key_hash, at).await.unwrap();
    assert_eq!(generation().await, first, "revoking again is no revocation");
    store.revoke_api_key(&keys[1].key_hash, at).await.unwrap();
    let second = generation().await;
    assert!(
        second != first && second != start,
        "each revocation moves it"
    );
}

/// `list_api_keys` answers every key of the account, revoked ones included, newest
/// first; none of another account; nothing for an unknown account.
pub async fn list_api_keys_newest_first(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let keys = [
        fixtures::api_key(&account, Mode::Test),
        fixtures::api_key(&account, Mode::Live),
        fixtures::api_key(&other, Mode::Test),
        fixtures::api_key(&account, Mode::Test),
    ];
    for key in &keys {
        store.insert_api_key(key).await.expect("insert_api_key");
    }
    let at = fixtures::timestamp();
    let mut revoked = keys[1].clone();
    revoked.revoked_at = Some(at);
    store.revoke_api_key(&revoked.key_hash, at).await.unwrap();
    assert_eq!(
        store.list_api_keys(&account.id).await,
        Ok(vec![keys[3].clone(), revoked, keys[0].clone()]),
        "the account's keys, newest first, revoked ones included"
    );
    assert_eq!(
        store.list_api_keys(&other.id).await,
        Ok(vec![keys[2].clone()])
    );
    assert_eq!(
        store.list_api_keys(&fixtures::account().id).await,
        Ok(Vec::new()),
        "list_api_keys of an unknown account"
    );
}

/// `revoke_api_key_by_id` revokes the key with that id at `at`, keeps the first
/// revocation time, moves the revocation generation once, and answers `NotFound`
/// for an unknown id.
pub async fn revoke_api_key_by_id_keeps_first_time(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let key = fixtures::api_key(&account, Mode::Live);
    let bystander = fixtures::api_key(&account, Mode::Live);
    for k in [&key, &bystander] {
        store.insert_api_key(k).await.expect("insert_api_key");
    }
    let start = store.revocation_generation().await.unwrap();
    let first = fixtures::timestamp();
    let mut revoked = key.clone();
    revoked.revoked_at = Some(first);
    assert_eq!(
        store.revoke_api_key_by_id(&key.id, first).await,
        Ok(revoked.clone()),
        "revoke_api_key_by_id returns the key revoked at `at`"
    );
    let moved = store.revocation_generation().await.unwrap();
    assert_ne!(moved, start, "a revocation by id moves the generation");
    assert_eq!(
        store
            .revoke_api_key_by_id(&key.id, first + Duration::hours(1))
            .await,
        Ok(revoked.clone()),
        "a second revocation keeps the first time"
    );
    assert_eq!(store.revocation_generation().await, Ok(moved));
    assert_eq!(store.find_api_key(&key.key_hash).await, Ok(revoked));
    assert_eq!(store.find_api_key(&bystander.key_hash).await, Ok(bystander));
    assert_not_found(
        store
            .revoke_api_key_by_id(&fixtures::api_key(&account, Mode::Test).id, first)
            .await,
        "revoke_api_key_by_id of an unknown id",
    );
}
