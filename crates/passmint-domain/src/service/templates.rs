//! Templates: creation, reads, listing, updates and archiving.

use super::{
    NewTemplate, Passmint, Principal, TemplatePatch, check_cursor, cursor_missing, found,
    retry_changed, written,
};
use crate::design::Design;
use crate::design::render::render_pass;
use crate::design::validate::validate_design;
use crate::error::{DomainError, StoreError};
use crate::idempotency::IdemFinish;
use crate::ids::TemplateId;
use crate::mode::{Mode, Scope};
use crate::page::{Cursor, Page, PageRequest};
use crate::pass::{Pass, PassFilter};
use crate::ports::TemplateUpdate;
use crate::template::{MAX_NAME_LEN, Template};
use crate::wallet::TemplateCascade;
use serde_json::{Map, Value};

/// Passes read per page when a design change is checked against them.
const CHECK_PAGE: u32 = 100;

impl Passmint {
    pub(super) fn check_template_name(name: &str) -> Result<(), DomainError> {
        crate::storable::check_text("name", name)?;
        if name.trim().is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(DomainError::invalid(
                "name",
                format!("name must be 1 to {MAX_NAME_LEN} characters long"),
            ));
        }
        Ok(())
    }

    pub async fn create_template(
        &self,
        who: &Principal,
        new: NewTemplate,
        idem: Option<IdemFinish<Template>>,
    ) -> Result<Template, DomainError> {
        Self::check_template_name(&new.name)?;
        validate_design(new.apple_style, &new.design).map_err(|e| e.under("design"))?;
        let now = self.clock.now();
        let template = Template {
            id: TemplateId::from_body(&self.body()),
            account_id: who.account_id.clone(),
            name: new.name,
            kind: new.kind,
            apple_style: new.apple_style,
            design: new.design,
            archived: false,
            created_at: now,
            updated_at: now,
        };
        let completion = idem.as_ref().map(|f| f.complete(&template));
        self.store
            .insert_template(&template, completion.as_ref())
            .await?;
        self.templates.put(&template);
        Ok(template)
    }

    /// The template a pass was issued from, read from the store as it is now.
    pub async fn pass_template(&self, pass: &Pass) -> Result<Template, StoreError> {
        self.store
            .get_template(&pass.account_id, &pass.template_id)
            .await
    }

    pub async fn get_template(&self, who: &Principal, id: &str) -> Result<Template, DomainError> {
        let tid = TemplateId::parse(id).ok_or_else(|| DomainError::not_found("template", id))?;
        found(
            self.store.get_template(&who.account_id, &tid).await,
            "template",
            id,
        )
    }

    pub async fn list_templates(
        &self,
        who: &Principal,
        page: &PageRequest,
    ) -> Result<Page<Template>, DomainError> {
        check_cursor(page, TemplateId::PREFIX)?;
        self.store
            .list_templates(&who.account_id, page)
            .await
            .map_err(cursor_missing(page))
    }

    pub async fn update_template(
        &self,
        who: &Principal,
        id: &str,
        patch: TemplatePatch,
        idem: Option<IdemFinish<Template>>,
    ) -> Result<Template, DomainError> {
        if let Some(name) = &patch.name {
            Self::check_template_name(name)?;
        }
        let (patch, idem) = (&patch, &idem);
        retry_changed("template kept changing during update", || async move {
            let current = self.get_template(who, id).await?;
            if let Some(design) = &patch.design {
                validate_design(current.apple_style, design).map_err(|e| e.under("design"))?;
            }
            let mut next = current.clone();
            if let Some(name) = &patch.name {
                next.name = name.clone();
            }
            if let Some(design) = &patch.design {
                next.design = design.clone();
            }
            if let Some(archived) = patch.archived {
                next.archived = archived;
            }
            if next == current {
                if let Some(f) = &idem {
                    self.store
                        .complete_idempotent(&f.complete(&current))
                        .await?;
                }
                return Ok(Some(current));
            }
            if next.design != current.design {
                self.check_live_passes(who, &current, "design").await?;
                self.check_passes_render(&current, &next.design).await?;
            }
            if next.archived && !current.archived {
                self.check_live_passes(who, &current, "archived").await?;
            }
            next.updated_at = self
                .clock
                .now()
                .max(current.updated_at + time::Duration::microseconds(1));
            let completion = idem.as_ref().map(|f| f.complete(&next));
            // A new design alters every pass of the template: new versions, events,
            // wallet tags and pushes, in the template's own transaction.
            let cascade = (next.design != current.design).then(|| {
                let mut metadata = Map::new();
                metadata.insert(
                    "template".into(),
                    Value::Array(vec![Value::String("design".into())]),
                );
                TemplateCascade {
                    at: next.updated_at,
                    metadata,
                }
            });
            let write = self
                .store
                .update_template(&TemplateUpdate {
                    template: &next,
                    expected_updated_at: current.updated_at,
                    idem: completion.as_ref(),
                    cascade: cascade.as_ref(),
                })
                .await;
            let Some(enqueued) = written(write, "template", id)? else {
                return Ok(None);
            };
            self.enqueued(enqueued);
            if cascade.is_some() {
                self.pushed();
            }
            self.templates.put(&next);
            Ok(Some(next))
        })
        .await
    }

    /// docs/api.md §1: a test key may not change what the template's live passes
    /// show, nor archive a template that has any; a live key may.
    async fn check_live_passes(
        &self,
        who: &Principal,
        template: &Template,
        param: &'static str,
    ) -> Result<(), DomainError> {
        if who.mode == Mode::Live {
            return Ok(());
        }
        let live = Scope::new(who.account_id.clone(), Mode::Live);
        let filter = PassFilter {
            template_id: Some(template.id.clone()),
            holder_email: None,
        };
        let page = self
            .store
            .list_passes(&live, &filter, &PageRequest::first(1))
            .await?;
        if page.data.is_empty() {
            return Ok(());
        }
        let what = if param == "design" {
            "change its design"
        } else {
            "archive it"
        };
        Err(DomainError::invalid_code(
            param,
            "live_template_requires_live_key",
            format!(
                "Template '{}' has live passes; only a live key may {what}",
                template.id
            ),
        ))
    }

    /// Every pass of `template` (both modes, voided ones too: their .pkpass is still
    /// served) must render with the new `design` (docs/api.md §6), else the PATCH is
    /// a 400 naming the first pass that would not.
    async fn check_passes_render(
        &self,
        template: &Template,
        design: &Design,
    ) -> Result<(), DomainError> {
        let filter = PassFilter {
            template_id: Some(template.id.clone()),
            holder_email: None,
        };
        for mode in [Mode::Test, Mode::Live] {
            let scope = Scope::new(template.account_id.clone(), mode);
            let mut page = PageRequest::first(CHECK_PAGE);
            loop {
                let passes = self.store.list_passes(&scope, &filter, &page).await?;
                for pass in &passes.data {
                    if let (_, Some(problem)) = render_pass(design, pass) {
                        return Err(problem.for_design(pass));
                    }
                }
                match passes.data.last() {
                    Some(last) if passes.has_more => {
                        page.cursor = Cursor::After(last.id.to_string());
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// Archives the template (idempotent).
    pub async fn archive_template(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<Template, DomainError> {
        self.update_template(
            who,
            id,
            TemplatePatch {
                archived: Some(true),
                ..Default::default()
            },
            None,
        )
        .await
    }
}
