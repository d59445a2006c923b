//! [`store_contract_tests!`](crate::store_contract_tests): the contract suites as
//! `#[tokio::test]`s.

/// Stamps one `#[tokio::test]` per function of [`crate::contract`] against a store
/// factory.
///
/// ```
/// // crates/passmint-store-xyz/tests/contract.rs
/// use passmint_domain::ports::Store;
/// use std::sync::Arc;
///
/// // A fresh, empty store per call: here in memory; a database adapter would create
/// // a fresh database or schema.
/// async fn fresh_store() -> Arc<dyn Store> {
///     Arc::new(passmint_testkit::MemoryStore::new())
/// }
///
/// passmint_testkit::store_contract_tests!(fresh_store);
/// # fn main() {}
/// ```
///
/// An async closure works too:
/// `passmint_testkit::store_contract_tests!(async || -> Arc<dyn Store> { ... });`.
///
/// Expectations:
///
/// - `$factory` is an expression (a path such as `fresh_store` or
///   `crate::test_support::fresh_store`, or an `async || ...` closure that captures
///   nothing) that evaluates to something callable as `AsyncFn() ->
///   Arc<dyn passmint_domain::ports::Store>`. The expression is evaluated once per
///   test and called once per test; every call MUST return a fresh, empty store,
///   isolated from every other test (the tests of one binary run in parallel).
/// - The calling crate depends on `tokio` with the `macros` and `rt-multi-thread`
///   features (for `#[tokio::test]`).
/// - The tests land in a module `store_contract` of the invoking module, one
///   submodule per port (`store_contract::passes::insert_pass_duplicate_serial_conflicts`),
///   so invoke the macro at most once per module. The generated modules `use
///   super::*`, so a factory path relative to the invoking module resolves.
/// - The `concurrent_*` cases run on a multi-threaded runtime
///   (`flavor = "multi_thread", worker_threads = 2`) and spawn tasks that use the
///   store from several threads at once.
#[macro_export]
macro_rules! store_contract_tests {
    ($factory:expr $(,)?) => {
        #[allow(unused_imports)]
        mod store_contract {
            use super::*;

            #[tokio::test]
            async fn ping_answers() {
                $crate::contract::ping_answers($factory).await;
            }

            $crate::__store_contract_group!($factory; accounts; [
                insert_and_get_account,
                insert_account_twice_conflicts,
                get_unknown_account_not_found,
                insert_and_find_api_key,
                find_unknown_api_key_not_found,
                api_key_duplicate_hash_conflicts,
                api_key_for_missing_account_not_found,
                revoke_api_key_keeps_first_time,
                revoke_unknown_api_key_not_found,
                revocation_generation_moves_with_revocations,
                list_api_keys_newest_first,
                revoke_api_key_by_id_keeps_first_time,
            ]; []);

            $crate::__store_contract_group!($factory; templates; [
                insert_and_get_template,
                insert_template_duplicate_id_conflicts,
                get_template_unknown_or_foreign_not_found,
                archived_template_found_but_not_listed,
                list_templates_newest_first_with_cursors,
                list_templates_account_isolation_and_cursor_errors,
                list_templates_cursor_on_archived_template,
                update_template_conditional_on_updated_at,
                update_template_missing_or_foreign_not_found,
                update_template_keeps_list_position,
                insert_template_completes_idempotency,
                insert_template_with_stale_ticket_writes_nothing,
                update_template_completes_idempotency,
                update_template_with_stale_ticket_writes_nothing,
            ]; [
                concurrent_template_updates_one_wins,
            ]);

            $crate::__store_contract_group!($factory; passes; [
                insert_and_get_pass,
                get_pass_outside_scope_not_found,
                insert_pass_duplicate_id_conflicts,
                insert_pass_duplicate_short_id_conflicts,
                insert_pass_duplicate_serial_conflicts,
                insert_pass_with_stale_ticket_writes_nothing,
                insert_pass_completes_idempotency,
                update_pass_with_version_and_event,
                update_pass_without_event,
                update_pass_stale_version_conflicts,
                update_pass_missing_or_other_scope_not_found,
                update_pass_with_stale_ticket_writes_nothing,
                update_pass_completes_idempotency,
                list_passes_filters_with_cursors,
                list_passes_scope_isolation_and_cursor_errors,
                list_passes_pages_through_25,
                live_pass_limit_refuses_beyond_limit,
                live_pass_limit_counts_only_inserted_passes,
                find_public_pass_any_scope,
            ]; [
                concurrent_pass_updates_one_wins,
                concurrent_inserts_same_serial_one_wins,
                concurrent_live_inserts_respect_limit,
            ]);

            $crate::__store_contract_group!($factory; bundles; [
                insert_and_get_bundle,
                insert_bundle_refusals_write_nothing,
                insert_bundle_completes_idempotency,
                find_public_bundle_any_scope,
            ]; []);

            $crate::__store_contract_group!($factory; claiming; [
                claiming_insert_new_key_inserts_and_completes,
                claiming_insert_existing_key_writes_nothing,
                claiming_insert_checks_the_template,
                claiming_insert_refused_writes_nothing,
            ]; [
                concurrent_claiming_inserts_one_key_exactly_one_inserts,
                concurrent_claiming_inserts_respect_live_limit,
            ]);

            $crate::__store_contract_group!($factory; signing; [
                set_get_and_replace_signing_identity,
                set_signing_identity_unknown_account_not_found,
                dev_identity_first_insert_wins,
                identities_expiring_before_soonest_first,
            ]; [
                concurrent_dev_identity_inserts_agree,
            ]);

            $crate::__store_contract_group!($factory; events; [
                insert_and_list_events,
                list_events_cursors,
                list_events_cursor_errors,
                insert_events_all_or_none,
            ]; []);

            $crate::__store_contract_group!($factory; idempotency; [
                begin_new_key_started,
                complete_then_replay,
                different_fingerprint_mismatch,
                expired_record_treated_as_absent,
                stale_lock_taken_over_by_same_fingerprint,
                release_then_begin_started,
                release_with_stale_ticket_keeps_key,
                complete_with_wrong_token_conflicts,
                complete_twice_conflicts,
                purge_deletes_only_expired,
                scope_isolation,
            ]; [
                concurrent_begins_exactly_one_started,
            ]);

            $crate::__store_contract_group!($factory; webhooks; [
                insert_get_and_list_webhooks,
                webhook_writes_complete_idempotency,
                update_webhook_conditional_and_scoped,
                events_fan_out_to_subscribed_enabled_webhooks,
                failed_writes_enqueue_nothing,
                claims_carry_the_event_and_the_pass_after_it,
                claims_lease_until_the_lease_ends,
                claims_cap_each_webhook,
                record_attempt_schedules_and_settles,
                record_attempts_answers_each,
                disabled_webhooks_deliveries_wait,
                retry_delivery_makes_it_due_now,
                list_deliveries_newest_first,
                delete_webhook_removes_it_and_its_deliveries,
            ]; [
                concurrent_claims_never_share_a_delivery,
            ]);

            $crate::__store_contract_group!($factory; wallet; [
                find_pass_by_serial_any_scope,
                register_new_then_existing,
                unregister_removes_with_event,
                updated_serials_follow_the_tag,
                pushed_changes_enqueue_one_job_per_registration,
                template_cascade_updates_passes,
                push_claims_lease_complete_and_reschedule,
                register_beyond_the_device_limit,
            ]; [
                concurrent_registrations_exactly_one_created,
                concurrent_registrations_keep_the_device_limit,
                concurrent_push_claims_never_share_a_job,
            ]);

            $crate::__store_contract_group!($factory; retention; [
                purge_events_past_the_cutoff,
                prune_deliveries_beyond_the_newest,
                purge_push_jobs_past_the_cutoff,
            ]; []);
        }
    };
}

/// One module of [`store_contract_tests!`]: the current-thread cases, then the
/// multi-threaded ones.
#[doc(hidden)]
#[macro_export]
macro_rules! __store_contract_group {
    ($factory:expr; $group:ident; [$($case:ident),* $(,)?]; [$($concurrent:ident),* $(,)?]) => {
        #[allow(unused_imports)]
        mod $group {
            use super::*;

            $(
                #[tokio::test]
                async fn $case() {
                    $crate::contract::$group::$case($factory).await;
                }
            )*

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $concurrent() {
                    $crate::contract::$group::$concurrent($factory).await;
                }
            )*
        }
    };
}

/// Stamps the cases of a SQL adapter's claims over rows that no longer decode
/// ([`crate::contract::webhooks::undecodable_deliveries_are_skipped`],
/// [`crate::contract::wallet::undecodable_push_jobs_are_skipped`]).
/// `$store_and_corrupter` is an async function taking the SQL that breaks a row
/// (its key as `$1`) and answering a fresh store with an `AsyncFn(&str)` that runs
/// that SQL, key given, on the store's database.
#[macro_export]
macro_rules! undecodable_claim_tests {
    ($store_and_corrupter:path) => {
        #[tokio::test]
        async fn undecodable_deliveries_are_skipped() {
            let (store, corrupt) =
                $store_and_corrupter($crate::contract::webhooks::CORRUPT_DELIVERY_SQL).await;
            $crate::contract::webhooks::undecodable_deliveries_are_skipped(store, corrupt).await;
        }

        #[tokio::test]
        async fn undecodable_push_jobs_are_skipped() {
            let (store, corrupt) =
                $store_and_corrupter($crate::contract::wallet::CORRUPT_PUSH_SQL).await;
            $crate::contract::wallet::undecodable_push_jobs_are_skipped(store, corrupt).await;
        }
    };
}
