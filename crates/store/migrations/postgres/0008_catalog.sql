-- Catalog (C1, C3, C4) and a project's optional course template (PR1).
-- A product's file lives in its own table so that lists never read blobs.
CREATE TABLE catalog_products (
    id TEXT PRIMARY KEY,
    product_type TEXT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    description TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    content TEXT,
    file_name TEXT,
    file_media_type TEXT,
    file_size BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX catalog_products_title_idx ON catalog_products(title_key, id);
CREATE TABLE catalog_product_files (
    product_id TEXT PRIMARY KEY REFERENCES catalog_products(id) ON DELETE CASCADE,
    data BYTEA NOT NULL
);
CREATE TABLE catalog_courses (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    description TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX catalog_courses_title_idx ON catalog_courses(title_key, id);
-- A course's outline; a product in an outline cannot be deleted (no cascade on product_id).
CREATE TABLE catalog_course_items (
    course_id TEXT NOT NULL REFERENCES catalog_courses(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    product_id TEXT NOT NULL REFERENCES catalog_products(id),
    PRIMARY KEY (course_id, position)
);
CREATE INDEX catalog_course_items_product_idx ON catalog_course_items(product_id);
CREATE TABLE organization_products (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    product_id TEXT NOT NULL REFERENCES catalog_products(id) ON DELETE CASCADE,
    activated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, product_id)
);
CREATE INDEX organization_products_product_idx ON organization_products(product_id);
CREATE TABLE organization_courses (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    course_id TEXT NOT NULL REFERENCES catalog_courses(id) ON DELETE CASCADE,
    activated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, course_id)
);
CREATE INDEX organization_courses_course_idx ON organization_courses(course_id);
ALTER TABLE projects ADD COLUMN course_template_id TEXT REFERENCES catalog_courses(id);
CREATE INDEX projects_course_template_idx ON projects(course_template_id);
