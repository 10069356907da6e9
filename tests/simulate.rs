//! `flinkform simulate`: the HPA model against Kubernetes' own controller cases and our own,
//! and the command through the real binary.

mod cli;
mod model;
