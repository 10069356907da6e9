//! The integration tests, one binary: each file of `tests/` is a module here, so the crate and
//! the dependencies are linked once instead of once per file. `Cargo.toml` turns off cargo's
//! discovery of `tests/*.rs` (`autotests = false`); `house::every_test_file_is_a_module` fails
//! when a file of `tests/` is not declared below, which would otherwise never run.
//!
//! A test that needs more than the binary, git and util-linux has its tier in its name: it sits
//! in a `tier_*` module, a folder of its own here or a `mod tier_*` inside its file. So
//! `cargo test --test integration -- --skip tier_` runs the fast tier, and
//! `cargo test --test integration tier_tools` one tier. A tool a test needs and cannot find
//! fails the test (`common::require`).

mod common;

mod bounds;
mod check;
mod cli;
mod crash;
mod diff;
mod docs;
mod examples;
mod first_project;
mod fixtures;
mod fuzz;
mod hardening;
mod house;
mod metrics;
mod output_folder;
mod reliability;
mod simulate;

/// kubectl (kustomize v5 is built into it) and the Python environment of `scripts/setup`:
/// kubernetes-validate, PyYAML, yamllint, pre-commit.
mod tier_tools {
    mod conformance;
    mod kustomize;
    mod precommit;
}

/// Java 17 and the Flink releases of `scripts/setup --flink`: Flink's own classes judge
/// flinkform's rules.
mod tier_java {
    mod flink_rules;
    mod key_groups;
}

/// Real Flink pods: root (network and mount namespaces through `unshare`), Java 17, the Flink
/// releases and Prometheus (`scripts/setup --flink`, `scripts/setup --prometheus`).
mod tier_flink {
    mod flink;
}
