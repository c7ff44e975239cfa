//! Adapters: everything that touches the world (filesystem, Actions runtime, git, GitHub).
pub mod actions;
pub mod fs;
pub mod github;
pub mod http;
pub mod localgit;
pub mod prometheus;
