//! release-action: gated, reviewable Helm chart releases and promotions.
//!
//! Layout: [`domain`] is pure (parse, validate, plan); [`adapters`] touch the world
//! (filesystem, Actions runtime, git); [`app`] holds the use cases; [`runner`] is the thin
//! layer the binary calls.
pub mod adapters;
pub mod app;
pub mod cli;
pub mod domain;
pub mod report;
pub mod runner;
