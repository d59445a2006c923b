//! The actix-web application: every route, the middleware, and the error envelope
//! for anything no route answers.

use crate::http::{metrics, request_id};
use crate::routes::{events, meta, passes, public, templates, wallet, webhooks};
use crate::state::AppState;
use actix_web::middleware::from_fn;
use actix_web::web;

/// Registers every route on a service config (used by the server and the tests).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let resource =
        |path: &str| web::resource(path).default_service(web::to(meta::method_not_allowed));
    cfg.service(resource("/healthz").route(web::get().to(meta::healthz)))
        .service(resource("/readyz").route(web::get().to(meta::readyz)))
        .service(resource("/metrics").route(web::get().to(meta::metrics)))
        .service(resource("/v1/openapi.json").route(web::get().to(meta::openapi)))
        .service(
            resource("/v1/templates")
                .route(web::post().to(templates::create))
                .route(web::get().to(templates::list)),
        )
        .service(
            resource("/v1/templates/{id}")
                .route(web::get().to(templates::retrieve))
                .route(web::patch().to(templates::update))
                .route(web::delete().to(templates::archive)),
        )
        .service(
            resource("/v1/passes")
                .route(web::post().to(passes::create))
                .route(web::get().to(passes::list)),
        )
        .service(
            resource("/v1/passes/{id}")
                .route(web::get().to(passes::retrieve))
                .route(web::patch().to(passes::update))
                .route(web::delete().to(passes::void)),
        )
        .service(resource("/v1/passes/{id}/events").route(web::get().to(events::list_for_pass)))
        .service(resource("/v1/events").route(web::get().to(events::list)))
        .service(
            resource("/v1/webhooks")
                .route(web::post().to(webhooks::create))
                .route(web::get().to(webhooks::list)),
        )
        .service(
            resource("/v1/webhooks/{id}")
                .route(web::get().to(webhooks::retrieve))
                .route(web::patch().to(webhooks::update))
                .route(web::delete().to(webhooks::delete)),
        )
        .service(
            resource("/v1/webhooks/{id}/deliveries").route(web::get().to(webhooks::deliveries)),
        )
        .service(
            resource("/v1/webhooks/{id}/deliveries/{delivery_id}/retry")
                .route(web::post().to(webhooks::retry)),
        )
        .service(
            resource("/v1/webhooks/{id}/rotate_secret")
                .route(web::post().to(webhooks::rotate_secret)),
        )
        .service(resource("/p/{short_id}").route(web::get().to(public::landing)))
        .service(resource("/p/{short_id}/download").route(web::get().to(public::download)))
        .service(
            resource("/wallet/v1/devices/{dli}/registrations/{ptid}/{serial}")
                .route(web::post().to(wallet::register))
                .route(web::delete().to(wallet::unregister)),
        )
        .service(
            resource("/wallet/v1/devices/{dli}/registrations/{ptid}")
                .route(web::get().to(wallet::updated)),
        )
        .service(
            resource("/wallet/v1/passes/{ptid}/{serial}")
                .route(web::get().to(wallet::pass))
                .route(web::head().to(wallet::pass)),
        )
        .service(resource("/wallet/v1/log").route(web::post().to(wallet::log)))
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
