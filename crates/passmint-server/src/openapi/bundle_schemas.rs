//! The bundle object's fields (docs/api.md §12), their limits read from the
//! domain.

use super::schemas::{example_id, id_pattern, id_schema, object_const, string, uri};
use passmint_domain::bundle::MAX_BUNDLE_PASSES;
use passmint_domain::ids::{BundleId, PassId};
use serde_json::json;
use utoipa::openapi::schema::{Array, ArrayBuilder, Object};

pub fn object_bundle() -> Object {
    object_const("bundle")
}

pub fn bundle_id() -> Object {
    id_schema(BundleId::PREFIX, "the bundle").build()
}

fn pass_ids_array() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(string().pattern(Some(id_pattern(PassId::PREFIX))))
        .min_items(Some(1))
        .max_items(Some(MAX_BUNDLE_PASSES))
        .unique_items(true)
        .examples([json!([example_id(PassId::PREFIX)])])
}

pub fn pass_ids() -> Array {
    pass_ids_array()
        .description(Some("The bundle's passes, in the order they were given."))
        .build()
}

pub fn pass_ids_request() -> Array {
    pass_ids_array()
        .description(Some(format!(
            "1 to {MAX_BUNDLE_PASSES} distinct passes of the API key's mode, none voided. An \
             empty or longer list answers 400 with `param: \"pass_ids\"`; a repeated id, an id \
             that is no pass of the key's mode (code `resource_missing`) or a voided pass \
             (code `pass_voided`) answers 400 with `param: \"pass_ids[i]\"`."
        )))
        .build()
}

pub fn bundle_url() -> Object {
    uri(
        "Public URL of the bundle's landing page, which lists its passes: \
         `{PUBLIC_URL}/b/{short_id}`.",
    )
}

pub fn bundle_download_url() -> Object {
    uri(
        "Direct download of every pass of the bundle at once (`application/vnd.apple.pkpasses`, \
         a zip of the signed .pkpass files): `{PUBLIC_URL}/b/{short_id}/download`.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_list_is_bounded_by_the_domain() {
        let v = serde_json::to_value(pass_ids_request()).unwrap_or_default();
        assert_eq!(v["minItems"], 1);
        assert_eq!(v["maxItems"], MAX_BUNDLE_PASSES);
        assert_eq!(v["uniqueItems"], true);
    }
}
