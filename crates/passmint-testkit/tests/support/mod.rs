//! Set-up shared by the service test files.

use passmint_domain::service::NewTemplate;
use passmint_domain::template::{AppleStyle, TemplateType};
use passmint_testkit::fixtures;

/// The event template every service test issues its passes from.
pub fn new_template() -> NewTemplate {
    NewTemplate {
        name: "Concert".into(),
        kind: TemplateType::Event,
        apple_style: AppleStyle::Generic,
        design: fixtures::design(),
    }
}
