//! [`passmint_domain::ports::SigningStore`]: per-account signing identities and the
//! deployment's development identity.

use super::{assert_not_found, race, seed_account};
use crate::fixtures;
use passmint_domain::ids::AccountId;
use passmint_domain::ports::Store;
use passmint_domain::signing::SigningCredentials;
use std::sync::Arc;

async fn set_identity(store: &dyn Store, account: &AccountId, creds: &SigningCredentials) {
    store
        .set_signing_identity(account, creds)
        .await
        .expect("set_signing_identity");
}

/// An identity set for an account reads back equal (private key included), and a
/// second `set_signing_identity` replaces it. Other accounts have none.
pub async fn set_get_and_replace_signing_identity(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    assert_not_found(
        store.get_signing_identity(&account.id).await,
        "get_signing_identity before any was set",
    );
    for what in [
        "get_signing_identity returns what was set",
        "a second set_signing_identity replaces the first",
    ] {
        let creds = fixtures::signing_credentials();
        set_identity(&*store, &account.id, &creds).await;
        let got = store.get_signing_identity(&account.id).await;
        assert_eq!(got, Ok(creds), "{what}");
    }
    assert_not_found(
        store.get_signing_identity(&other.id).await,
        "get_signing_identity of another account",
    );
}

/// `set_signing_identity` MUST return `NotFound` for an unknown account and store
/// nothing.
pub async fn set_signing_identity_unknown_account_not_found(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    seed_account(&*store).await;
    let ghost = fixtures::account();
    assert_not_found(
        store
            .set_signing_identity(&ghost.id, &fixtures::signing_credentials())
            .await,
        "set_signing_identity of an unknown account",
    );
    assert_not_found(
        store.get_signing_identity(&ghost.id).await,
        "get_signing_identity of an unknown account",
    );
}

/// The development identity: `NotFound` until one is inserted; the first insert
/// wins and every later one returns it unchanged.
pub async fn dev_identity_first_insert_wins(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    assert_not_found(
        store.get_dev_identity().await,
        "get_dev_identity on a fresh store",
    );
    let (first, second) = (
        fixtures::signing_credentials(),
        fixtures::signing_credentials(),
    );
    for (candidate, what) in [
        (
            &first,
            "the first insert_dev_identity stores and returns its candidate",
        ),
        (
            &second,
            "a later insert_dev_identity returns the stored identity",
        ),
    ] {
        let got = store.insert_dev_identity(candidate).await;
        assert_eq!(got, Ok(first.clone()), "{what}");
    }
    assert_eq!(store.get_dev_identity().await, Ok(first));
}

/// Concurrent `insert_dev_identity` calls all get the same identity, one of the
/// candidates.
pub async fn concurrent_dev_identity_inserts_agree(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let candidates: Vec<_> = (0..8).map(|_| fixtures::signing_credentials()).collect();
    let outcomes = race(candidates.len(), |i| {
        let (store, candidate) = (store.clone(), candidates[i].clone());
        async move { store.insert_dev_identity(&candidate).await }
    })
    .await;
    let winners: Vec<_> = outcomes
        .into_iter()
        .map(|w| w.expect("insert_dev_identity under concurrency"))
        .collect();
    let first = winners[0].clone();
    assert!(
        winners.iter().all(|w| *w == first),
        "every concurrent insert_dev_identity returns the same identity"
    );
    assert!(
        candidates.contains(&first),
        "the winner is one of the candidates"
    );
    assert_eq!(store.get_dev_identity().await, Ok(first));
}

/// `identities_expiring_before` lists account identities expiring before the
/// instant, soonest first, without the development identity.
pub async fn identities_expiring_before_soonest_first(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let now = fixtures::timestamp();
    let mut expected = Vec::new();
    for days in [20i64, -3, 400, 5] {
        let account = seed_account(&*store).await;
        let mut creds = fixtures::signing_credentials();
        creds.not_after = fixtures::truncate_micros(now + time::Duration::days(days));
        set_identity(&*store, &account.id, &creds).await;
        if days < 30 {
            expected.push((
                creds.not_after,
                account.id.clone(),
                creds.pass_type_identifier,
            ));
        }
    }
    let mut dev = fixtures::signing_credentials();
    dev.not_after = now;
    store
        .insert_dev_identity(&dev)
        .await
        .expect("insert_dev_identity");
    expected.sort();
    let listed: Vec<_> = store
        .identities_expiring_before(now + time::Duration::days(30))
        .await
        .expect("identities_expiring_before")
        .into_iter()
        .map(|e| (e.not_after, e.account_id, e.pass_type_identifier))
        .collect();
    assert_eq!(
        listed, expected,
        "identities expiring within 30 days, soonest first"
    );
}
