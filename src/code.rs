//! A diagnostic code and its documentation, declared once beside the rule that emits it.
//!
//! `declare_code!` (in the manner of clippy's `declare_clippy_lint!`) makes a constant that the
//! rule passes to `Diagnostic::error` or `Diagnostic::warning`, so a code cannot be emitted
//! without its explanation, and `explain::CODES` lists every declaration for `flinkform explain`
//! and the docs' code index.

/// One diagnostic code.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What the rule catches.
    pub catches: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// Declares a code: `declare_code! { pub NAME: error "name", catches: "..", why: "..", fix: ".." }`.
macro_rules! declare_code {
    (
        $vis:vis $name:ident: $severity:ident $code:literal,
        catches: $catches:literal,
        why: $why:literal,
        fix: $fix:literal $(,)?
    ) => {
        #[doc = $catches]
        $vis const $name: &$crate::code::Code = &$crate::code::Code {
            code: $code,
            severity: $crate::code::severity!($severity),
            catches: $catches,
            why: $why,
            fix: $fix,
        };
    };
}

/// Only `error` and `warning` are severities.
macro_rules! severity {
    (error) => {
        "error"
    };
    (warning) => {
        "warning"
    };
}

pub(crate) use declare_code;
pub(crate) use severity;
