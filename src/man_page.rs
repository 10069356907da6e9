//! `flinkform man`: the manual page, generated from the command line's definition.
//!
//! clap_mangen's own subcommand section refers to a page per command (`flinkform-render(1)`)
//! that no one installs; here the commands are listed in this one page instead, followed by
//! the exit codes, which scripts and CI depend on.

/// The page in roff.
pub fn render(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    let mut text = String::from(".SH COMMANDS\n");
    let name = command.get_name().to_owned();
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        text.push_str(&format!(".TP\n\\fB{name} {}\\fR\n", sub.get_name()));
        if let Some(about) = sub.get_about().or_else(|| sub.get_long_about()) {
            for line in about.to_string().lines() {
                text.push_str(&escaped(line));
                text.push('\n');
            }
        }
    }
    text.push_str(&format!(
        ".PP\n\\fB{name} help\\fR \\fICOMMAND\\fR prints the options of a command.\n"
    ));
    text.push_str(concat!(
        ".SH \"EXIT STATUS\"\n",
        ".TP\n0\nSuccess; for \\fBcheck\\fR, no drift.\n",
        ".TP\n1\nInvalid input (any command), or drift (\\fBcheck\\fR). Nothing is written.\n",
        ".TP\n2\nUsage, I/O or internal error.\n",
    ));
    page.extend_from_slice(text.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Text safe as a roff line: backslashes written as roff's escape, and no line that roff
/// would read as a request.
fn escaped(line: &str) -> String {
    let line = line.replace('\\', "\\e").replace('-', "\\-");
    if line.starts_with('.') || line.starts_with('\'') {
        format!("\\&{line}")
    } else {
        line
    }
}
