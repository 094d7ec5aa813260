-- C5, S4: an edit counter per platform template and language, the `ETag` an `If-Match` is
-- compared with. It lives beside the override (not in its row) and is kept when an override
-- is reset, so a tag read before a reset never matches what is saved after it. No row:
-- never edited (version 0).
CREATE TABLE platform_template_versions (
    kind TEXT NOT NULL,
    template_key TEXT NOT NULL,
    language TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (kind, template_key, language)
);
