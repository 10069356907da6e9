//! What flinkform knows of Flink itself, offline: the configuration options of every supported
//! release ([`options`], generated from Flink's option classes), how Flink parses their values
//! ([`values`]) and answers for them ([`config`]), the memory model of its processes
//! ([`memory`]), the network buffers an exchange reserves ([`network`]) and the key groups of
//! a job ([`parallelism`]). Domain knowledge only: it depends on no phase, and the rules that
//! report from it sit above.

pub mod config;
pub mod memory;
pub mod network;
pub mod options;
pub mod parallelism;
pub mod values;
