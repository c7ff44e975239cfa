//! Unit tests of the changelog module.
