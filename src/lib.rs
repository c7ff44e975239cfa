//! release-action: gated, reviewable Helm chart releases.
pub mod domain;
