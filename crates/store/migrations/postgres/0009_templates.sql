-- Templates and texts (C2, C4, C5, S3, S4).
-- An operator's version of a platform email or notification template in one language; the
-- built-in template (in the binary) applies where there is none.
CREATE TABLE platform_template_overrides (
    kind TEXT NOT NULL,
    template_key TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    html_body TEXT NOT NULL,
    text_body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, template_key, language)
);
-- The catalog's email templates; `variables` is the JSON list of declared variables.
CREATE TABLE catalog_email_templates (
    id TEXT PRIMARY KEY,
    template_key TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    html_body TEXT NOT NULL,
    text_body TEXT NOT NULL,
    variables TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX catalog_email_templates_key_lang ON catalog_email_templates(template_key, language);
CREATE INDEX catalog_email_templates_lang_idx ON catalog_email_templates(language, template_key);
-- C4: the catalog email templates an organization has switched on (a row: on).
CREATE TABLE organization_email_templates (
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    template_id TEXT NOT NULL REFERENCES catalog_email_templates(id) ON DELETE CASCADE,
    enabled_at BIGINT NOT NULL,
    PRIMARY KEY (organization_id, template_id)
);
CREATE INDEX organization_email_templates_template_idx ON organization_email_templates(template_id);
-- S3: the one support text, as Markdown.
CREATE TABLE support_text (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    markdown TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
