//! Operator warnings of `passmint serve`: live passes without a web service (a
//! public URL that is not https), and signing certificates that expire within 30
//! days (checked at start-up and then daily).

use passmint_domain::service::Passmint;
use std::time::Duration;

/// Days ahead of a certificate's expiry when the log starts warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Logs the start-up warnings and starts the daily expiry check (on the current
/// actix runtime).
pub fn startup_warnings(public_url: &str, passmint: &Passmint) {
    if !public_url.starts_with("https://") {
        tracing::warn!(
            public_url,
            "PASSMINT_PUBLIC_URL is not https: live passes are issued without webServiceURL \
             and authenticationToken (Apple accepts only https), so they install but never \
             receive updates; test passes keep the http URL"
        );
    }
    let passmint = passmint.clone();
    actix_web::rt::spawn(async move {
        loop {
            warn_expiring(&passmint).await;
            actix_web::rt::time::sleep(Duration::from_secs(24 * 3600)).await;
        }
    });
}

/// Logs one warning per account identity expiring within
/// [`EXPIRY_WARNING_DAYS`]; returns how many.
pub async fn warn_expiring(passmint: &Passmint) -> usize {
    let now = passmint.now();
    let horizon = now + time::Duration::days(EXPIRY_WARNING_DAYS);
    match passmint.identities_expiring_before(horizon).await {
        Ok(expiring) => {
            for e in &expiring {
                let days = (e.not_after - now).whole_days();
                tracing::warn!(
                    account_id = %e.account_id,
                    pass_type_identifier = %e.pass_type_identifier,
                    not_after = %crate::http::timestamp(e.not_after),
                    days_left = days,
                    "the account's signing certificate {}: renew it in Apple's developer \
                     portal and run `passmint accounts set-signing-identity`",
                    if days < 0 { "has expired" } else { "expires soon" }
                );
            }
            expiring.len()
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not check signing certificate expiry");
            0
        }
    }
}
