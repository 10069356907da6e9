//! Bounds: files past their size are refused quickly, numbers at and past what their consumer
//! holds never panic, and the time of a run grows linearly with its keys and its errors.

use crate::common;

use std::process::Command;

use common::{git, root, run, stderr};

#[test]
fn oversized_files_are_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let jobs = tmp.path().join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    let mut big = String::from(
        "apiVersion: flinkform.dev/v1alpha1\nkind: FlinkJob\nmetadata:\n  annotations:\n",
    );
    while big.len() <= 9 * 1024 * 1024 {
        big.push_str(&format!("    key{}: \"{}\"\n", big.len(), "x".repeat(100)));
    }
    std::fs::write(jobs.join("big.yaml"), big).unwrap();
    let start = std::time::Instant::now();
    let output = run(&["--project", tmp.path().to_str().unwrap(), "validate"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error[file-too-large]"),
        "{}",
        stderr(&output)
    );
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn large_valid_files_within_the_limit_are_fine() {
    // Many documents in one file: 300 jobs, well below the size limit.
    let template = common::example_job();
    let mut text = String::new();
    for i in 0..300 {
        text.push_str("---\n");
        text.push_str(&template.replace("name: orders-enrichment", &format!("name: job-{i}")));
    }
    let tmp = common::temp_project(
        Some(
            "apiVersion: flinkform.dev/v1alpha1\nkind: Project\nspec:\n  naming: {namespace: \"ns-{{ spaceId }}\"}\n",
        ),
        &[("many.yaml", &text)],
    );
    let output = run(&["--project", tmp.path().to_str().unwrap(), "validate"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("validated 300 jobs"),
        "{}",
        stderr(&output)
    );
}

/// Every number is bounded by what its consumer holds (Flink's Java ints, Kubernetes'
/// int32): at, just past and far past each bound, a run ends with exit 0 or 1, never a panic.
#[test]
fn numbers_at_and_past_their_bounds_never_panic() {
    let job = common::example_job();
    let fields = [
        ("parallelism: 10", "parallelism"),
        ("maxParallelism: 720", "maxParallelism"),
        ("taskSlots: 2", "taskSlots"),
        ("maxReplicas: 5", "maxReplicas"),
        ("minReplicas: 1", "minReplicas"),
        ("spaceId: 100000", "spaceId"),
        ("port: 9249", "port"),
        ("averageUtilization: 65", "averageUtilization"),
    ];
    for (original, field) in fields {
        assert!(job.contains(original), "the example sets {original}");
        for value in [
            "0",
            "-1",
            "32768",
            "32769",
            "65536",
            "2147483647",
            "2147483648",
            "4294967296",
            "9223372036854775807",
            "18446744073709551616",
            "1e400",
        ] {
            let tmp = common::temp_project(
                None,
                &[(
                    "job.yaml",
                    &job.replace(original, &format!("{field}: {value}")),
                )],
            );
            validate_ends_cleanly(tmp.path(), &format!("{field}: {value}"));
        }
    }
}

/// Time grows linearly with a file's keys: four times the keys (10,000 and 40,000 in one
/// map) take well under sixteen times as long, which a quadratic duplicate-key check or merge
/// would take. Each size is timed twice and the faster run kept.
#[test]
fn many_keys_take_linear_time() {
    let job = common::example_job();
    let time = |keys: usize| {
        let extra: String = (0..keys)
            .map(|i| format!("    user.key{i}: v{i}\n"))
            .collect();
        let text = job.replace(
            "  flinkConfiguration:\n",
            &format!("  flinkConfiguration:\n{extra}"),
        );
        let tmp = common::temp_project(None, &[("job.yaml", &text)]);
        (0..2)
            .map(|_| {
                let start = std::time::Instant::now();
                validate_ends_cleanly(tmp.path(), &format!("{keys} keys"));
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let small = time(10_000);
    let large = time(40_000);
    assert!(
        large < small * 10,
        "10,000 keys took {small:?}, 40,000 took {large:?}: more than linear"
    );
}

/// Time grows linearly with the number of errors: four times the errors in one file (a job
/// argument list of mappings: one schema error per item, each printed with its source line)
/// take well under sixteen times as long, in text and in JSON.
#[test]
fn many_errors_take_linear_time() {
    let job = common::example_job();
    let time = |errors: usize, format: &str| {
        let items: String = (0..errors)
            .map(|i| format!("      - {{k: {i}}}\n"))
            .collect();
        let text = job.replace(
            "    entryClass: com.example.OrdersEnrichment\n",
            &format!("    entryClass: com.example.OrdersEnrichment\n    args:\n{items}"),
        );
        let text = text
            .lines()
            .filter(|l| !l.starts_with("    args: ["))
            .collect::<Vec<_>>()
            .join("\n");
        let tmp = common::temp_project(None, &[("job.yaml", &text)]);
        (0..2)
            .map(|_| {
                let start = std::time::Instant::now();
                let output = Command::new(common::bin())
                    .args([
                        "--project",
                        tmp.path().to_str().unwrap(),
                        "--format",
                        format,
                        "validate",
                    ])
                    .output()
                    .unwrap();
                let elapsed = start.elapsed();
                let text = common::stderr(&output);
                assert_eq!(
                    output.status.code(),
                    Some(1),
                    "{}",
                    &text[..text.len().min(2000)]
                );
                assert!(
                    text.contains(&format!("failed: {errors} errors")),
                    "{}",
                    &text[text.len().saturating_sub(2000)..]
                );
                elapsed
            })
            .min()
            .unwrap()
    };
    for format in ["text", "json"] {
        let small = time(5_000, format);
        let large = time(20_000, format);
        assert!(
            large < small * 8,
            "{format}: 5,000 errors took {small:?}, 20,000 took {large:?}: more than linear"
        );
    }
}

/// Runs `validate` on a project: it must end with exit 0 or 1 (valid or invalid input), never
/// a panic or an I/O error.
fn validate_ends_cleanly(project: &std::path::Path, what: &str) {
    let output = Command::new(common::bin())
        .args(["--project", project.to_str().unwrap(), "validate"])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{what}: validate ended with {:?}:\n{}",
        output.status.code(),
        common::all_output(&output)
    );
}

/// Files of generated sizes around each bound, in each place a run reads: a job file in the
/// project, a job file in a commit `diff` reads, a file in the output folder. Past the bound
/// a file is refused (or, in the output folder, shown as too large) without being read whole.
#[test]
fn files_of_generated_sizes_are_read_only_within_their_bound() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let bound = flinkform::files::MAX_FILE_BYTES;
    let mut runner = TestRunner::new(Config {
        cases: 4,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(any::<bool>(), 1u64..4096), |(over, by)| {
            let size = if over { bound + by } else { bound - by };
            let tmp = tempfile::tempdir().unwrap();
            let repo = tmp.path();
            git(repo, &["init", "-q", "-b", "main"]);
            let project = repo.join("flink");
            common::copy_tree(&root().join("fixtures/valid/01-seed"), &project);
            std::fs::remove_dir_all(project.join("expected")).unwrap();
            // A comment pads the job file to exactly `size` bytes.
            let job = project.join("jobs/orders-enrichment.yaml");
            let mut text = std::fs::read_to_string(&job).unwrap();
            let pad = usize::try_from(size).unwrap() - text.len() - 2;
            text.push('#');
            text.push_str(&"x".repeat(pad));
            text.push('\n');
            std::fs::write(&job, &text).unwrap();
            git(repo, &["add", "-A"]);
            git(repo, &["commit", "-q", "-m", "sized"]);
            let p = project.to_str().unwrap();
            let output = run(&["--project", p, "validate"]);
            let refused = stderr(&output).contains("error[file-too-large]");
            prop_assert_eq!(over, refused, "{} bytes: {}", size, stderr(&output));
            let output = Command::new(common::bin())
                .args(["--project", "flink", "diff", "--against", "HEAD"])
                .current_dir(repo)
                .output()
                .unwrap();
            let refused = stderr(&output).contains("file-too-large");
            prop_assert_eq!(over, refused, "diff, {} bytes: {}", size, stderr(&output));

            // In the output folder: a sparse file of the size where a manifest goes.
            std::fs::copy(
                root().join("fixtures/valid/01-seed/jobs/orders-enrichment.yaml"),
                &job,
            )
            .unwrap();
            prop_assert_eq!(run(&["--project", p, "render"]).status.code(), Some(0));
            let planted = project.join("deploy/base/orders-enrichment/configmap.yaml");
            std::fs::File::create(&planted)
                .unwrap()
                .set_len(size)
                .unwrap();
            let output = run(&["--project", p, "check"]);
            prop_assert_eq!(output.status.code(), Some(1));
            let shown_large = common::stdout(&output).contains("too large to compare");
            prop_assert_eq!(over, shown_large, "output folder, {} bytes", size);
            Ok(())
        })
        .unwrap();
}
