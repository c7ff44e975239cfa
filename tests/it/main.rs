//! End-to-end tests of the real binary, run the way GitHub runs a container action.
mod action;
mod bom;
mod check;
mod commands;
mod common;
mod gate;
mod hostile;
mod init;
mod judge_change;
mod notes;
#[path = "../support/prometheus.rs"]
mod prometheus;
mod promote;
mod reading;
mod repeated_keys;
mod report;
mod rollback;
#[path = "../support/runner.rs"]
mod runner;
mod snapshot;
mod validate_tag;
mod workflows;
