//! The actix-web application: every route, the middleware, and the error envelope
//! for anything no route answers.

use crate::http::endpoint::endpoint;
use crate::http::{metrics, request_id};
use crate::routes::{
    bundle_pages, bundles, events, meta, passes, public, templates, wallet, webhooks,
};
use crate::state::AppState;
use actix_web::middleware::from_fn;
use actix_web::web;

/// Registers every route on a service config (used by the server and the tests).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint("/healthz").get(meta::healthz))
        .service(endpoint("/readyz").get(meta::readyz))
        .service(endpoint("/metrics").get(meta::metrics))
        .service(endpoint("/v1/openapi.json").get(meta::openapi))
        .service(
            endpoint("/v1/templates")
                .post(templates::create)
                .get(templates::list),
        )
        .service(
            endpoint("/v1/templates/{id}")
                .get(templates::retrieve)
                .patch(templates::update)
                .delete(templates::archive),
        )
        .service(
            endpoint("/v1/passes")
                .post(passes::create)
                .get(passes::list),
        )
        .service(
            endpoint("/v1/passes/{id}")
                .get(passes::retrieve)
                .patch(passes::update)
                .delete(passes::void),
        )
        .service(endpoint("/v1/passes/{id}/events").get(events::list_for_pass))
        .service(endpoint("/v1/events").get(events::list))
        .service(
            endpoint("/v1/webhooks")
                .post(webhooks::create)
                .get(webhooks::list),
        )
        .service(
            endpoint("/v1/webhooks/{id}")
                .get(webhooks::retrieve)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .service(endpoint("/v1/webhooks/{id}/deliveries").get(webhooks::deliveries))
        .service(endpoint("/v1/webhooks/{id}/deliveries/{delivery_id}/retry").post(webhooks::retry))
        .service(endpoint("/v1/webhooks/{id}/rotate_secret").post(webhooks::rotate_secret))
        .service(endpoint("/v1/bundles").post(bundles::create))
        .service(endpoint("/v1/bundles/{id}").get(bundles::retrieve))
        .service(endpoint("/p/{short_id}").get(public::landing))
        .service(endpoint("/p/{short_id}/download").get(public::download))
        .service(endpoint("/b/{short_id}").get(bundle_pages::landing))
        .service(endpoint("/b/{short_id}/download").get(bundle_pages::download))
        .service(
            endpoint("/wallet/v1/devices/{dli}/registrations/{ptid}/{serial}")
                .post(wallet::register)
                .delete(wallet::unregister),
        )
        .service(endpoint("/wallet/v1/devices/{dli}/registrations/{ptid}").get(wallet::updated))
        .service(
            endpoint("/wallet/v1/passes/{ptid}/{serial}")
                .get(wallet::pass)
                .head(wallet::pass),
        )
        .service(endpoint("/wallet/v1/log").post(wallet::log))
        .default_service(web::to(meta::not_found));
}

/// Builds the app over a state.
pub fn build(
    state: web::Data<AppState>,
    metrics_data: web::Data<metrics::Metrics>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(state)
        .app_data(metrics_data)
        .configure(configure)
        .wrap(from_fn(metrics::middleware))
        .wrap(from_fn(request_id::middleware))
}
