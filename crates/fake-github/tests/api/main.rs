//! End-to-end tests of the fake GitHub through the real octocrab 0.54 client
//! (and a raw HTTP client where octocrab cannot send the request at hand).

mod common;
mod contract;
mod faults;
mod git_data;
mod pulls;
mod releases;
mod repos;
mod standalone;
