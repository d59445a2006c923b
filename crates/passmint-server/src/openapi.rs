//! The OpenAPI 3.1 document of the public API, generated from the handlers' and
//! DTOs' annotations and served at `/v1/openapi.json`.

use crate::dto;
use crate::http::error;
use crate::routes::{events, passes, templates};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pmk_test_… or pmk_live_…")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Passmint API", version = "1", description = "Issue and update Apple Wallet passes."),
    paths(
        passes::create, passes::list, passes::retrieve, passes::update, passes::void,
        templates::create, templates::list, templates::retrieve, templates::update, templates::archive,
        events::list, events::list_for_pass,
    ),
    components(schemas(
        dto::PassObject, dto::TemplateObject, dto::PassEventObject, dto::DeletedObject,
        dto::CreatePassRequest, dto::UpdatePassRequest, dto::CreateTemplateRequest, dto::UpdateTemplateRequest,
        error::ErrorEnvelope, error::ErrorBody, error::ErrorType,
    )),
    modifiers(&Security),
)]
pub struct ApiDoc;

pub fn document_json() -> String {
    ApiDoc::openapi().to_json().unwrap_or_default()
}
