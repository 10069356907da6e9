//! `flinkform simulate`: one environment compiled like `build`, then a load trace replayed
//! through its autoscaling.

use super::{Context, Format};
use crate::exit::ExitStatus;

impl Context<'_> {
    /// `simulate`: compiles one environment like `build`, then replays the trace over it.
    pub(super) fn simulate(&self, args: &crate::simulate::command::Args) -> ExitStatus {
        use crate::simulate::command::{DiagnosticForm, Output, Printing, run};
        let c = match self.compile_environment(&args.env) {
            Ok(c) => c,
            Err(status) => return status,
        };
        let environment = &c.output.as_ref().expect("checked by compile").environments[0];
        let printing = Printing {
            output: match self.cli.format {
                Format::Json => Output::Json,
                Format::Markdown => Output::Markdown,
                Format::Svg => Output::Svg,
                Format::Text | Format::Github => Output::Text,
            },
            diagnostics: match self.cli.format {
                Format::Json => DiagnosticForm::Json,
                Format::Github => DiagnosticForm::Github,
                _ => DiagnosticForm::Text,
            },
            color: self.color,
        };
        run(environment, args, printing)
    }
}
