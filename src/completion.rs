//! Completion of the words that depend on the project: environment and job names, and
//! diagnostic codes. Shells ask the hidden `flinkform __complete KIND` for them, so the
//! completion script never goes stale as the project changes.

use std::path::Path;

use clap::ValueEnum;

/// What a shell asks to complete.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    Environments,
    Jobs,
    Codes,
}

/// The candidates, one a line; none when the project does not compile (a shell shows
/// nothing rather than an error in the middle of the command line).
#[must_use]
pub fn words(kind: Kind, project: &Path) -> Vec<String> {
    match kind {
        Kind::Codes => crate::explain::CODES
            .iter()
            .map(|c| c.code.to_owned())
            .collect(),
        Kind::Environments | Kind::Jobs => {
            let Ok(c) = crate::compile(project, &[], crate::Goal::Validate) else {
                return Vec::new();
            };
            let Some(output) = c.output else {
                return Vec::new();
            };
            match kind {
                Kind::Environments => output.environment_names,
                _ => {
                    let Ok(c) = crate::compile(project, &[], crate::Goal::Environments) else {
                        return Vec::new();
                    };
                    let mut jobs: Vec<String> = c
                        .output
                        .iter()
                        .flat_map(|o| o.environments.iter())
                        .flat_map(|e| e.jobs.iter().map(|j| j.name.clone()))
                        .collect();
                    jobs.sort();
                    jobs.dedup();
                    jobs
                }
            }
        }
    }
}

/// Appended to clap's bash script: `--env`, `--job` and the code of `explain` complete from
/// the project (the one `--project` names, if given), everything else as clap generated it.
pub const BASH: &str = r#"
_flinkform_project_words() {
    local project=. i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == --project ]]; then
            project=${COMP_WORDS[i + 1]}
        fi
    done
    flinkform --project "$project" __complete "$1" 2>/dev/null
}

_flinkform_with_project() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
        --env)
            COMPREPLY=($(compgen -W "$(_flinkform_project_words environments)" -- "$cur"))
            return 0
            ;;
        --job)
            COMPREPLY=($(compgen -W "$(_flinkform_project_words jobs)" -- "$cur"))
            return 0
            ;;
    esac
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == explain && $cur != -* ]]; then
            COMPREPLY=($(compgen -W "$(_flinkform_project_words codes)" -- "$cur"))
            return 0
        fi
    done
    _flinkform "$@"
}

complete -F _flinkform_with_project -o bashdefault -o default flinkform
"#;
