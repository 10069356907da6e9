//! The one way flinkform evaluates minijinja: naming patterns and templates alike.
//!
//! A pattern or template comes from the project, so from anyone who can open a pull request:
//! a loop in a loop must not hang a run, and what it writes must not grow without bound.
//! Every evaluation gets the same fuel (minijinja's count of instructions) and writes into a
//! buffer that refuses to grow past [`MAX_OUTPUT_BYTES`]. Fuel pays for data as well as
//! instructions (minijinja charges every byte an operator, a filter or a literal creates), so a
//! value built inside a template, a string doubled by `{% set %}` after `{% set %}`, runs out of
//! fuel at about 64 MB too.

use minijinja::{Environment, Error, ErrorKind, Template, UndefinedBehavior, Value};

/// Instructions one rendering may execute: far more than any real template needs.
pub const FUEL: u64 = 1_000_000;

/// The most text one rendering may produce: an input file's bound.
pub const MAX_OUTPUT_BYTES: usize = crate::files::MAX_FILE_BYTES as usize;

/// An environment with strict undefined values and the fuel limit; `debug()`, whose output
/// is not the same from run to run, is removed so output stays reproducible byte for byte.
#[must_use]
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.remove_global("debug");
    env
}

/// Renders `template` into text of at most [`MAX_OUTPUT_BYTES`].
///
/// # Errors
/// The template's own errors, running out of fuel, or output past the bound.
pub fn render<V: Into<Value>>(template: &Template<'_, '_>, ctx: V) -> Result<String, Error> {
    let mut out = Bounded(Vec::new());
    template.render_captured_to(ctx, &mut out)?;
    String::from_utf8(out.0)
        .map_err(|_| Error::new(ErrorKind::BadSerialization, "the output is not UTF-8"))
}

/// A buffer that fails a write that would take it past [`MAX_OUTPUT_BYTES`].
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT_BYTES {
            return Err(std::io::Error::other(format!(
                "the output grows past {MAX_OUTPUT_BYTES} bytes"
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(source: &str) -> Result<String, Error> {
        let mut env = environment();
        env.add_template("t", source)?;
        render(&env.get_template("t")?, ())
    }

    #[test]
    fn loops_run_out_of_fuel_and_output_is_bounded() {
        assert_eq!(rendered("{{ 'a' ~ 'b' }}").unwrap(), "ab");
        let nested =
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
        assert_eq!(rendered(nested).unwrap_err().kind(), ErrorKind::OutOfFuel);
        let big = "{% for i in range(100) %}{{ 'x' * 1000000 }}{% endfor %}";
        assert!(rendered(big).is_err());
        assert!(rendered("{{ debug() }}").is_err());
        // Forty doublings of 16 bytes would be 16 TiB: fuel ends it at the 23rd.
        let doubled = format!(
            "{{% set s = '0123456789abcdef' %}}{}{{{{ s|length }}}}",
            "{% set s = s ~ s %}".repeat(40)
        );
        assert_eq!(rendered(&doubled).unwrap_err().kind(), ErrorKind::OutOfFuel);
    }
}
