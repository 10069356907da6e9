//! `flinkform validate` and `flinkform build`: the checks alone, and one environment's
//! manifests on stdout.

use std::io::Write as _;
use std::path::PathBuf;

use super::{Context, count};
use crate::Goal;
use crate::exit::ExitStatus;
use crate::layout;

impl Context<'_> {
    pub(super) fn validate(&self, files: &[PathBuf]) -> ExitStatus {
        match self.compile(files, Goal::Validate) {
            Ok(c) => {
                let envs = c.output.as_ref().map_or(0, |o| o.environment_names.len());
                let jobs = c.output.as_ref().map_or(0, |o| o.job_count);
                eprintln!(
                    "validated {}, {} in {}",
                    count(jobs, "job"),
                    count(envs, "environment"),
                    self.elapsed()
                );
                ExitStatus::Success
            }
            Err(code) => code,
        }
    }

    pub(super) fn build(&self, env: &str, jobs: &[String]) -> ExitStatus {
        let c = match self.compile_environment(env) {
            Ok(c) => c,
            Err(status) => return status,
        };
        let environment = &c.output.as_ref().expect("checked by compile").environments[0];
        for job in jobs {
            if !environment.jobs.iter().any(|j| &j.name == job) {
                eprintln!("error: no job `{job}` in environment `{env}`");
                return ExitStatus::Error;
            }
        }
        let selected: Vec<&layout::JobDocuments> = environment
            .jobs
            .iter()
            .filter(|j| jobs.is_empty() || jobs.contains(&j.name))
            .collect();
        let mut documents: Vec<&layout::Document> =
            selected.iter().flat_map(|j| j.documents.iter()).collect();
        let used: std::collections::HashSet<&str> =
            documents.iter().map(|d| d.namespace.as_str()).collect();
        documents.extend(
            environment
                .namespaces
                .iter()
                .filter(|ns| used.contains(ns.name.as_str())),
        );
        layout::sort_documents(&mut documents);
        let text = layout::stream(&documents);
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitStatus::Error;
        }
        eprintln!(
            "built {} of {} in environment `{env}` in {}",
            count(documents.len(), "object"),
            count(selected.len(), "job"),
            self.elapsed()
        );
        ExitStatus::Success
    }
}
