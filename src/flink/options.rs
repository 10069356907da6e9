//! Flink's configuration options per version: the table `scripts/flink-options` generates
//! from the option classes of each supported release (`options.tsv`, embedded), read once.
//!
//! A key may have several definitions in one release (two classes declare it with different
//! types): a value is fine when any of them reads it, as some part of Flink will.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use super::values::{self, Value};

const TABLE: &str = include_str!("options.tsv");

/// The type of an option, as its `ConfigOption` declares it.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    String,
    Bool,
    Int,
    Long,
    Float,
    Double,
    Duration,
    Memory,
    Enum(Vec<&'static str>),
    /// Lists, maps and anything else: not checked.
    Other,
}

/// One definition of an option.
#[derive(Debug)]
pub struct Definition {
    pub key: &'static str,
    pub kind: Type,
    pub is_map: bool,
    /// The default, as the table writes it (`134217728b`, `0.4`), if the option has one.
    pub default: Option<&'static str>,
    /// Fallback keys, with whether each is deprecated.
    pub fallbacks: Vec<(&'static str, bool)>,
    versions: u32,
}

impl Definition {
    /// Whether a value parses as this option's type in a release, and why not.
    pub fn check(&self, value: &Value, options: Options) -> Result<(), String> {
        match &self.kind {
            Type::Bool => values::to_bool(value).map(drop),
            Type::Int => values::to_int(value).map(drop),
            Type::Long => values::to_long(value).map(drop),
            Type::Float => values::to_float(value).map(drop),
            Type::Double => values::to_double(value).map(drop),
            Type::Duration => values::to_duration_in(
                value,
                options.unbounded_durations(),
                options.iso_durations(),
            )
            .map(drop),
            Type::Memory => values::to_memory(value).map(drop),
            Type::Enum(constants) => values::to_enum(value, constants).map(drop),
            Type::String | Type::Other => Ok(()),
        }
    }

    /// The type's name in a message.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Type::String => "a string",
            Type::Bool => "a boolean",
            Type::Int => "an integer",
            Type::Long => "a long integer",
            Type::Float | Type::Double => "a number",
            Type::Duration => "a duration",
            Type::Memory => "a memory size",
            Type::Enum(_) => "one of its values",
            Type::Other => "a list or map",
        }
    }
}

/// The supported minor versions, in the table's order.
pub struct Table {
    versions: Vec<(u32, u32)>,
    definitions: Vec<Definition>,
    /// Definitions by key and by fallback key.
    by_key: HashMap<&'static str, Vec<usize>>,
    /// Per version: the option keys a suggestion may name, and the first words of all keys.
    suggestions: Vec<Vec<&'static str>>,
    families: Vec<HashSet<&'static str>>,
}

/// The table, parsed on first use.
pub fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| parse(TABLE))
}

fn parse(text: &'static str) -> Table {
    let mut versions = Vec::new();
    let mut definitions = Vec::new();
    for line in text.lines() {
        if let Some(list) = line.strip_prefix("# versions ") {
            versions = list
                .split(' ')
                .map(|v| {
                    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
                    (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
                })
                .collect();
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(key), Some(kind), Some(default), Some(fallbacks), Some(mask)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            continue;
        };
        let (kind, is_map) = match kind {
            "string" => (Type::String, false),
            "bool" => (Type::Bool, false),
            "int" => (Type::Int, false),
            "long" => (Type::Long, false),
            "float" => (Type::Float, false),
            "double" => (Type::Double, false),
            "duration" => (Type::Duration, false),
            "memory" => (Type::Memory, false),
            "map" => (Type::Other, true),
            other => match other.strip_prefix("enum:") {
                Some(list) => (Type::Enum(list.split('|').collect()), false),
                None => (Type::Other, false),
            },
        };
        definitions.push(Definition {
            key,
            kind,
            is_map,
            default: default.strip_prefix('='),
            fallbacks: fallbacks
                .split(',')
                .filter(|f| !f.is_empty())
                .map(|f| match f.strip_prefix('~') {
                    Some(k) => (k, true),
                    None => (f, false),
                })
                .collect(),
            versions: u32::from_str_radix(mask, 16).unwrap_or(0),
        });
    }
    let mut by_key: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (i, d) in definitions.iter().enumerate() {
        by_key.entry(d.key).or_default().push(i);
        for (f, _) in &d.fallbacks {
            by_key.entry(f).or_default().push(i);
        }
    }
    let mut suggestions = Vec::new();
    let mut families = Vec::new();
    for v in 0..versions.len() {
        let of_version = || {
            definitions
                .iter()
                .filter(move |d| d.versions & (1 << v) != 0)
        };
        let keys: BTreeSet<&'static str> = of_version()
            .map(|d| d.key)
            .filter(|k| !k.contains('<'))
            .collect();
        suggestions.push(keys.into_iter().collect());
        // Only dotted keys make a family: the single words (`format`, `path`, `charset`) are
        // options of table connectors and formats, which a job's own keys may well share.
        families.push(
            of_version()
                .flat_map(|d| std::iter::once(d.key).chain(d.fallbacks.iter().map(|(f, _)| *f)))
                .filter_map(|k| k.split_once('.').map(|(first, _)| first))
                .collect(),
        );
    }
    Table {
        versions,
        definitions,
        by_key,
        suggestions,
        families,
    }
}

/// One Flink version's view of the table.
#[derive(Clone, Copy)]
pub struct Options {
    table: &'static Table,
    bit: u32,
    release: (u32, u32),
}

/// What a key is to a Flink version.
pub enum Lookup<'a> {
    /// Flink's option (or a fallback key of it): its definitions.
    Known(Vec<&'a Definition>),
    /// An entry of a map option given as `option.entry` (Flink reads those into the map).
    MapEntry,
    /// Not Flink's: the closest key Flink knows, if its first word is one of Flink's.
    Unknown(Option<&'a str>),
}

impl Options {
    /// The options of a Flink version (`1.20`, `1.20.1`, `2.1`); a release newer than the table
    /// gets the newest table's.
    #[must_use]
    pub fn of(version: &str) -> Options {
        let table = table();
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let wanted = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        let index = table
            .versions
            .iter()
            .position(|v| *v == wanted)
            .or_else(|| table.versions.iter().rposition(|v| *v <= wanted))
            .unwrap_or(0);
        Options {
            table,
            bit: 1 << index,
            release: table.versions.get(index).copied().unwrap_or((1, 0)),
        }
    }

    /// Whether the release reads `config.yaml` as YAML (1.19 and later), where numbers and
    /// booleans reach the converters as such; before, every value is the text of its line.
    #[must_use]
    pub fn reads_yaml(&self) -> bool {
        self.release >= (1, 19)
    }

    /// Whether the release reads a duration's number with any number of digits (2.0 and later).
    #[must_use]
    pub fn unbounded_durations(&self) -> bool {
        self.release.0 >= 2
    }

    /// Whether the release also reads ISO-8601 durations (2.1 and later).
    #[must_use]
    pub fn iso_durations(&self) -> bool {
        self.release >= (2, 1)
    }

    fn definitions(&self, key: &str) -> Vec<&'static Definition> {
        self.table
            .by_key
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.table.definitions[i])
            .filter(|d| d.versions & self.bit != 0)
            .collect()
    }

    /// The definitions whose own key is `key` (not those it is a fallback of).
    #[must_use]
    pub fn option(&self, key: &str) -> Vec<&'static Definition> {
        self.definitions(key)
            .into_iter()
            .filter(|d| d.key == key)
            .collect()
    }

    /// What a key is to this version. Keys below `metrics.reporter.<name>.` are read by the
    /// reporter of that name, which takes any parameter: only Flink's own are checked.
    #[must_use]
    pub fn lookup(&self, key: &str) -> Lookup<'static> {
        let found = self.definitions(key);
        if !found.is_empty() {
            return Lookup::Known(found);
        }
        if let Some(rest) = key.strip_prefix("metrics.reporter.")
            && let Some((_, parameter)) = rest.split_once('.')
        {
            let found = self.definitions(&format!("metrics.reporter.<name>.{parameter}"));
            return if found.is_empty() {
                Lookup::MapEntry
            } else {
                Lookup::Known(found)
            };
        }
        let mut prefix = key;
        while let Some((head, _)) = prefix.rsplit_once('.') {
            if self.definitions(head).iter().any(|d| d.is_map) {
                return Lookup::MapEntry;
            }
            prefix = head;
        }
        Lookup::Unknown(self.closest(key))
    }

    /// The known key nearest to `key` by edit distance, among those of the version. Answers
    /// are kept: a project repeats its keys in every job and environment.
    fn closest(&self, key: &str) -> Option<&'static str> {
        type Suggestions = Mutex<HashMap<(u32, String), Option<&'static str>>>;
        static KNOWN: OnceLock<Suggestions> = OnceLock::new();
        let cache = KNOWN.get_or_init(Mutex::default);
        let entry = (self.bit, key.to_owned());
        if let Some(found) = cache.lock().ok().and_then(|c| c.get(&entry).copied()) {
            return found;
        }
        let index = self.bit.trailing_zeros() as usize;
        let mut best: Option<(usize, &'static str)> = None;
        let mut rows = (Vec::new(), Vec::new());
        // Beyond a third of the key's length, a key is no typo of it. Keys of the same family
        // go first: a typo's nearest key is mostly one of them, and the bound it sets stops
        // the others early.
        let limit = key.len() / 3 + 2;
        let family = key.split('.').next().unwrap_or(key);
        let keys = &self.table.suggestions[index];
        let same = |k: &&&str| k.split('.').next() == Some(family);
        for candidate in keys
            .iter()
            .filter(same)
            .chain(keys.iter().filter(|k| !same(k)))
        {
            let bound = best.map_or(limit, |(b, _)| b);
            if candidate.len().abs_diff(key.len()) >= bound {
                continue;
            }
            let distance = edit_distance(key, candidate, bound, &mut rows);
            if distance < bound {
                best = Some((distance, candidate));
            }
        }
        let found = best.map(|(_, k)| k);
        if let Ok(mut c) = cache.lock() {
            c.insert(entry, found);
        }
        found
    }

    /// Whether Flink has options whose first dotted word is this key's: a key outside every
    /// such family (`kafka.bootstrap`, `myapp.mode`) is the user's own.
    #[must_use]
    pub fn is_flink_family(&self, key: &str) -> bool {
        let first = key.split('.').next().unwrap_or(key);
        self.table.families[self.bit.trailing_zeros() as usize].contains(first)
    }
}

/// Levenshtein distance, or `bound` when it is at least that: only the band of cells within
/// `bound` of the diagonal is computed, and a row whose cells all reach `bound` ends it.
fn edit_distance(a: &str, b: &str, bound: usize, rows: &mut (Vec<usize>, Vec<usize>)) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (previous, current) = rows;
    previous.clear();
    previous.extend((0..=b.len()).map(|j| j.min(bound)));
    current.clear();
    current.resize(b.len() + 1, bound);
    for (i, ca) in a.iter().enumerate() {
        let low = (i + 1).saturating_sub(bound);
        let high = (i + 1 + bound).min(b.len());
        current[0] = (i + 1).min(bound);
        if low > 0 {
            current[low - 1] = bound;
        }
        let mut row_min = if low == 0 { current[0] } else { bound };
        for j in low.max(1)..=high {
            let cost = usize::from(*ca != b[j - 1]);
            let cell = (previous[j - 1] + cost)
                .min(previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(bound);
            current[j] = cell;
            row_min = row_min.min(cell);
        }
        if high < b.len() {
            current[high + 1] = bound;
        }
        if row_min >= bound {
            return bound;
        }
        std::mem::swap(previous, current);
    }
    previous[b.len()].min(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_every_version_and_the_common_keys() {
        for v in [
            "1.17", "1.18", "1.19", "1.20", "2.0", "2.1", "2.2", "2.3", "2.9", "1.20.1",
        ] {
            let o = Options::of(v);
            assert!(
                matches!(
                    o.lookup("taskmanager.memory.process.size"),
                    Lookup::Known(_)
                ),
                "{v}"
            );
            assert!(
                matches!(
                    o.lookup("execution.checkpointing.interval"),
                    Lookup::Known(_)
                ),
                "{v}"
            );
        }
        let o = Options::of("1.20");
        match o.lookup("execution.checkpointing.intreval") {
            Lookup::Unknown(Some(k)) => assert_eq!(k, "execution.checkpointing.interval"),
            _ => panic!("a typo is unknown"),
        }
        assert!(matches!(
            o.lookup("metrics.reporter.prom.port"),
            Lookup::Known(_)
        ));
        assert!(matches!(
            o.lookup("metrics.reporter.prom.anything"),
            Lookup::MapEntry
        ));
        assert!(matches!(
            o.lookup("pipeline.global-job-parameters.foo"),
            Lookup::MapEntry
        ));
        assert!(!o.is_flink_family("kafka.group.id"));
        assert!(!o.is_flink_family("charset.name"));
        let mut rows = (Vec::new(), Vec::new());
        for (a, b, d) in [
            ("kitten", "sitting", 3),
            ("abc", "abc", 0),
            ("", "ab", 2),
            ("abcdef", "abdcef", 2),
        ] {
            assert_eq!(edit_distance(a, b, 10, &mut rows), d, "{a} {b}");
            assert_eq!(edit_distance(b, a, 10, &mut rows), d, "{b} {a}");
        }
        assert_eq!(edit_distance("abcdefgh", "zyxwvuts", 3, &mut rows), 3);
        assert!(o.is_flink_family("execution.foo"));
        // A deprecated key is a fallback of its successor.
        assert!(matches!(o.lookup("state.backend"), Lookup::Known(_)));
    }
}
