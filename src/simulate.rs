//! `flinkform simulate`: replays a load trace through the autoscaling objects `build --env`
//! emits and a model of Flink's reactive mode, offline.
//!
//! The pieces, each below the one that uses it: [`trace`] reads the CSV (every error at its
//! line and column); [`target`] reads a job's objects — the HorizontalPodAutoscaler, or the
//! one KEDA would create from the ScaledObject, the TaskManager pods' requests, the Flink
//! configuration — so the simulation runs over exactly what would be applied; [`replicas`] and
//! [`hpa`] are Kubernetes' controller; [`flink`] is the adaptive scheduler's reaction to
//! TaskManagers coming and going; [`run`] steps them together through time; [`report`] and
//! [`svg`] print the result; [`command`] is the command line's entry.

pub mod command;
pub mod flink;
pub mod hpa;
pub mod replicas;
pub mod report;
pub mod run;
pub mod svg;
pub mod target;
pub mod trace;
