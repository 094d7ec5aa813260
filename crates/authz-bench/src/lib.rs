//! The permission-check benchmark's model and the casbin and Cedar encodings of it (issue 3,
//! SPEC §4). `authz-compare` (src/main.rs) runs the three side by side; the criterion bench
//! (benches/permission_check.rs) measures Portico's check alone.

pub mod casbin_enc;
pub mod cedar_enc;
pub mod model;
