//! Pure domain: parsing, validating and planning release artefacts. No I/O here: every function
//! takes text or values and returns values.
pub mod baseline;
pub mod bom;
pub mod changelog;
pub mod chart;
pub mod config;
pub mod diagnostic;
pub mod helmignore;
pub mod infer;
pub mod name;
pub mod probe;
pub mod promotion;
pub mod report;
pub mod rollback;
pub mod rules;
pub mod slo;
pub mod tag;
pub mod values;
pub mod version;
pub mod version_file;
pub mod yaml;
