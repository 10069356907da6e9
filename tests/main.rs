//! The integration tests, one binary: each file of `tests/` is a module here, so the crate and
//! the dependencies are linked once instead of once per file. `Cargo.toml` turns off cargo's
//! discovery of `tests/*.rs` (`autotests = false`); `house::every_test_file_is_a_module` fails
//! when a file of `tests/` is not declared below, which would otherwise never run.

mod common;

mod check;
mod cli;
mod conformance;
mod crash;
mod diff;
mod docs;
mod examples;
mod first_project;
mod fixtures;
mod flink;
mod flink_rules;
mod fuzz;
mod hardening;
mod house;
mod kustomize;
mod metrics;
mod precommit;
mod reliability;
mod simulate;
