//! Editable templates and texts: the sandbox every template is checked and rendered in, the
//! platform's email and notification templates (C5, S4), the catalog's email templates and
//! their per-organization switch (C2, C4), and the support text (S3).

pub mod catalog;
pub mod platform;
pub mod platform_edit;
pub mod records;
pub mod sandbox;
pub mod store;
pub mod support;

pub use sandbox::{TemplateError, TemplateErrorKind};
