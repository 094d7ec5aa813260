//! C2: the catalog's email templates (key, language, subject, HTML and text bodies, declared
//! variables), edited by `catalog.manage` on the platform and read with `catalog.view`; and
//! C4: each organization switches them on or off (`catalog.manage` in that organization).

use super::records::*;
use super::sandbox::{self, Rendered, Sources};
use crate::Services;
use crate::auth::{BackOffice, OrgScope};
use crate::error::ServiceError;
use crate::records::ScopeRef;
use portico_domain::ValidationError;
use portico_domain::ids::EmailTemplateId;
use portico_domain::template::{Language, TemplateKey, parse_declarations};

/// What a person or program sends to create or replace a catalog email template.
#[derive(Debug, Clone, Default)]
pub struct CatalogEmailInput {
    pub key: String,
    pub language: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// (name, description, sample value)
    pub variables: Vec<(String, String, String)>,
}

impl CatalogEmailInput {
    /// Parses every field and runs the sandbox's checks with the declared samples.
    fn parse(self) -> Result<CatalogEmailWrite, ServiceError> {
        let key = TemplateKey::parse(&self.key)?;
        let language = Language::parse(&self.language)?;
        let variables = parse_declarations(&self.variables)?;
        for (field, v) in [
            ("subject", &self.subject),
            ("html_body", &self.html),
            ("text_body", &self.text),
        ] {
            if v.trim().is_empty() {
                return Err(ValidationError::new(field, "this part may not be empty").into());
            }
        }
        let sources = Sources {
            subject: self.subject,
            html: self.html,
            text: self.text,
        };
        sandbox::validate(&sources, &variables).map_err(ServiceError::Template)?;
        Ok(CatalogEmailWrite {
            key: key.as_str().to_string(),
            language: language.as_str().to_string(),
            subject: sources.subject,
            html: sources.html,
            text: sources.text,
            variables,
        })
    }
}

fn sources_of(t: &CatalogEmailTemplate) -> Sources {
    Sources {
        subject: t.subject.clone(),
        html: t.html.clone(),
        text: t.text.clone(),
    }
}

fn language_filter(filter: &TemplateFilter) -> Result<TemplateFilter, ServiceError> {
    Ok(TemplateFilter {
        language: filter
            .language
            .as_deref()
            .map(|l| Language::parse(l).map(|l| l.as_str().to_string()))
            .transpose()?,
        sort: filter.sort,
    })
}

impl Services {
    /// The catalog's email templates, filtered by language and sorted (`catalog.view`).
    pub async fn list_catalog_emails(
        &self,
        actor: &BackOffice,
        filter: &TemplateFilter,
    ) -> Result<Vec<CatalogEmailTemplate>, ServiceError> {
        actor.require("catalog.view", ScopeRef::Platform)?;
        Ok(self
            .store
            .list_catalog_emails(&language_filter(filter)?)
            .await?)
    }

    pub async fn get_catalog_email(
        &self,
        actor: &BackOffice,
        id: EmailTemplateId,
    ) -> Result<CatalogEmailTemplate, ServiceError> {
        actor.require("catalog.view", ScopeRef::Platform)?;
        self.store
            .get_catalog_email(id)
            .await?
            .ok_or(ServiceError::NotFound("email template"))
    }

    /// C2: a new template (`catalog.manage`); refused when it does not compile, uses an
    /// undeclared variable or fails with its samples.
    pub async fn create_catalog_email(
        &self,
        actor: &BackOffice,
        input: CatalogEmailInput,
    ) -> Result<CatalogEmailTemplate, ServiceError> {
        actor.require("catalog.manage", ScopeRef::Platform)?;
        let w = input.parse()?;
        Ok(self
            .store
            .create_catalog_email(
                &actor.principal().audit_ctx(self),
                EmailTemplateId::generate(),
                w,
            )
            .await?)
    }

    /// Replaces every field (`catalog.manage`); a stale `expected_version` is refused.
    pub async fn update_catalog_email(
        &self,
        actor: &BackOffice,
        id: EmailTemplateId,
        expected_version: Option<i64>,
        input: CatalogEmailInput,
    ) -> Result<CatalogEmailTemplate, ServiceError> {
        actor.require("catalog.manage", ScopeRef::Platform)?;
        let w = input.parse()?;
        Ok(self
            .store
            .update_catalog_email(&actor.principal().audit_ctx(self), id, expected_version, w)
            .await?)
    }

    pub async fn delete_catalog_email(
        &self,
        actor: &BackOffice,
        id: EmailTemplateId,
    ) -> Result<(), ServiceError> {
        actor.require("catalog.manage", ScopeRef::Platform)?;
        Ok(self
            .store
            .delete_catalog_email(&actor.principal().audit_ctx(self), id)
            .await?)
    }

    /// Renders the stored template, or `input` when given (checked as saving would), with the
    /// declared sample values (`catalog.view`).
    pub async fn preview_catalog_email(
        &self,
        actor: &BackOffice,
        id: Option<EmailTemplateId>,
        input: Option<CatalogEmailInput>,
    ) -> Result<Rendered, ServiceError> {
        actor.require("catalog.view", ScopeRef::Platform)?;
        let (sources, decls) = match (input, id) {
            (Some(i), _) => {
                let w = i.parse()?;
                (
                    Sources {
                        subject: w.subject,
                        html: w.html,
                        text: w.text,
                    },
                    w.variables,
                )
            }
            (None, Some(id)) => {
                let t = self.get_catalog_email(actor, id).await?;
                (sources_of(&t), t.variables)
            }
            (None, None) => {
                return Err(ValidationError::new("template", "nothing to preview").into());
            }
        };
        sandbox::validate(&sources, &decls).map_err(ServiceError::Template)
    }

    /// C4: every catalog email template with whether this organization has it switched on
    /// (`catalog.manage` in the organization).
    pub async fn org_catalog_emails(
        &self,
        scope: &OrgScope,
        filter: &TemplateFilter,
    ) -> Result<Vec<OrgEmailTemplate>, ServiceError> {
        scope.require("catalog.manage")?;
        Ok(self
            .store
            .org_catalog_emails(scope.org_id(), &language_filter(filter)?)
            .await?)
    }

    /// C4: switches one template on or off in the organization (`catalog.manage` there).
    /// Returns whether anything changed.
    pub async fn set_org_catalog_email(
        &self,
        scope: &OrgScope,
        id: EmailTemplateId,
        enabled: bool,
    ) -> Result<bool, ServiceError> {
        scope.require("catalog.manage")?;
        Ok(self
            .store
            .set_org_catalog_email(
                &scope.actor().principal().audit_ctx(self),
                scope.org_id(),
                id,
                enabled,
            )
            .await?)
    }
}
