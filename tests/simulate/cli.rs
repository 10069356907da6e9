//! The command through the real binary.
