//! Adapters: everything that touches the world (filesystem, Actions runtime, git, GitHub).
pub mod actions;
pub mod fs;
pub mod github;
pub mod localgit;
