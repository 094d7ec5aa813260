//! S3: the support text organization administrators see on Home. Written in Markdown by an
//! operator (`settings.manage` on the platform), rendered with pulldown-cmark and sanitised
//! with ammonia: no scripts, no event handlers, no `javascript:` links, whatever was typed.

use super::records::SupportTextRecord;
use crate::Services;
use crate::auth::BackOffice;
use crate::error::ServiceError;
use crate::records::ScopeRef;
use portico_domain::ValidationError;
use serde::Serialize;

/// Characters the Markdown source may have.
pub const MAX_SUPPORT_TEXT: usize = 20_000;

/// The support text: its source and the sanitised HTML made from it.
#[derive(Debug, Clone, Serialize)]
pub struct SupportText {
    pub markdown: String,
    pub html: String,
    pub updated_at: Option<portico_domain::Timestamp>,
}

/// Markdown → HTML → sanitised HTML. Links get `rel="noopener noreferrer"`; only http,
/// https and mailto URLs survive.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut raw = String::new();
    html::push_html(
        &mut raw,
        Parser::new_ext(
            markdown,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        ),
    );
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

fn of(r: Option<SupportTextRecord>) -> SupportText {
    match r {
        Some(r) => SupportText {
            html: markdown_to_safe_html(&r.markdown),
            markdown: r.markdown,
            updated_at: Some(r.updated_at),
        },
        None => SupportText {
            markdown: String::new(),
            html: String::new(),
            updated_at: None,
        },
    }
}

impl Services {
    /// The support text for its editor (`settings.view` on the platform).
    pub async fn support_text(&self, actor: &BackOffice) -> Result<SupportText, ServiceError> {
        actor.require("settings.view", ScopeRef::Platform)?;
        Ok(of(self.store.support_text().await?))
    }

    /// The support text for Home: every back-office viewer may read it (it is written for
    /// them). Empty when none was written.
    pub async fn support_text_for_home(&self) -> Result<SupportText, ServiceError> {
        Ok(of(self.store.support_text().await?))
    }

    /// Replaces it (`settings.manage` on the platform). An empty text removes it from Home.
    pub async fn set_support_text(
        &self,
        actor: &BackOffice,
        markdown: &str,
    ) -> Result<SupportText, ServiceError> {
        actor.require("settings.manage", ScopeRef::Platform)?;
        if markdown.chars().count() > MAX_SUPPORT_TEXT {
            return Err(ValidationError::new(
                "markdown",
                format!("at most {MAX_SUPPORT_TEXT} characters"),
            )
            .into());
        }
        self.store
            .set_support_text(&actor.principal().audit_ctx(self), markdown)
            .await?;
        Ok(of(self.store.support_text().await?))
    }
}

#[cfg(test)]
mod tests {
    use super::markdown_to_safe_html as h;

    #[test]
    fn sanitises() {
        let out = h(
            "**Call** us <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://help.example)",
        );
        assert!(out.contains("<strong>Call</strong>"), "{out}");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(out.contains("href=\"https://help.example\""), "{out}");
    }
}
