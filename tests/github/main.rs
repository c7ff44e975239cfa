//! End-to-end tests of release-action's GitHub side: the real binary, run as the container
//! action, against a stateful fake GitHub (`crates/fake-github`) that checks every request
//! against GitHub's OpenAPI description.
mod check;
mod commands;
mod common;
mod faults;
mod promote;
mod release;
mod report;
mod rollback;
mod token;
