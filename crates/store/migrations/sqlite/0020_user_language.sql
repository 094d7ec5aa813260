-- C2/C5: a person's language (an ISO 639 code, e.g. `de`), given when they are added or
-- imported and editable later. Every email to them is rendered in it (with the usual fallback
-- to the platform's default when no template exists in that language); NULL = the default.
ALTER TABLE users ADD COLUMN language TEXT NULL;
