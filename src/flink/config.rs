//! A Flink configuration as Flink's `Configuration` answers for an option: the value of its
//! key, else of its fallback keys in order, else its default — all from the option table of
//! the job's Flink version, so the defaults are the release's own.

use std::collections::BTreeMap;

use super::options::{Definition, Options, Type};
use super::values::{self, Value};

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Unreadable {
    /// The value at this key does not parse as the option's type (reported elsewhere).
    Value(String),
    /// The release has no such option, or it has no default and nothing sets it.
    Missing(&'static str),
}

pub struct Config<'a> {
    pub options: Options,
    values: &'a BTreeMap<String, Value>,
}

impl<'a> Config<'a> {
    #[must_use]
    pub fn new(options: Options, values: &'a BTreeMap<String, Value>) -> Config<'a> {
        Config { options, values }
    }

    fn definition(&self, key: &'static str, kind: &Type) -> Option<&'static Definition> {
        self.options
            .option(key)
            .into_iter()
            .find(|d| std::mem::discriminant(&d.kind) == std::mem::discriminant(kind))
    }

    /// The key that sets an option here (its own, or the first fallback key set), if any.
    #[must_use]
    pub fn setter(&self, key: &'static str, kind: &Type) -> Option<&'a str> {
        let d = self.definition(key, kind)?;
        std::iter::once(d.key)
            .chain(d.fallbacks.iter().map(|(f, _)| *f))
            .find_map(|k| self.values.get_key_value(k).map(|(k, _)| k.as_str()))
    }

    /// Whether the configuration sets an option (`Configuration.contains`).
    #[must_use]
    pub fn contains(&self, key: &'static str, kind: &Type) -> bool {
        self.setter(key, kind).is_some()
    }

    fn raw(&self, key: &'static str, kind: &Type) -> Result<(String, Value), Unreadable> {
        if let Some(k) = self.setter(key, kind) {
            return Ok((k.to_owned(), self.values[k].clone()));
        }
        let default = self
            .definition(key, kind)
            .and_then(|d| d.default)
            .ok_or(Unreadable::Missing(key))?;
        Ok((key.to_owned(), Value::Text(default.to_owned())))
    }

    /// A memory option in bytes.
    pub fn memory(&self, key: &'static str) -> Result<u64, Unreadable> {
        let (at, v) = self.raw(key, &Type::Memory)?;
        values::to_memory(&v).map_err(|_| Unreadable::Value(at))
    }

    /// A float option, widened to a double as Flink's memory utilities do.
    pub fn fraction(&self, key: &'static str) -> Result<f64, Unreadable> {
        let (at, v) = self.raw(key, &Type::Float)?;
        values::to_float(&v)
            .map(f64::from)
            .map_err(|_| Unreadable::Value(at))
    }

    /// An integer option.
    pub fn int(&self, key: &'static str) -> Result<i32, Unreadable> {
        let (at, v) = self.raw(key, &Type::Int)?;
        values::to_int(&v).map_err(|_| Unreadable::Value(at))
    }

    /// Whether the release has an option of this key and type at all.
    #[must_use]
    pub fn knows(&self, key: &'static str, kind: &Type) -> bool {
        self.definition(key, kind).is_some()
    }
}
