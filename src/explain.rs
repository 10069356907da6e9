//! Every diagnostic code, what it catches, why it matters and how to fix it: the text of
//! `flinkform explain CODE`. A test keeps every code the compiler can emit documented here.

/// One diagnostic code.
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

macro_rules! codes {
    ($($code:literal $severity:ident: $catches:literal; $why:literal; $fix:literal)*) => {
        /// The codes, sorted by name.
        pub const CODES: &[Code] = &[$(Code {
            code: $code,
            severity: stringify!($severity),
            catches: $catches,
            why: $why,
            fix: $fix,
        }),*];
    };
}

codes! {
    "ambiguous-value" error:
        "A string that kustomize writes back unquoted and that a YAML 1.1 reader (PyYAML) then reads as something else or refuses: a number too large for 64 bits (`1.0e+310`, `0xfffffffffffffffff`), a number of underscores only (`0x_`), `.5_`, `=`, `<<`, or a date or time that does not exist (`2024-13-01`).";
        "Go's YAML, which kustomize uses, reads these as strings and so writes them bare; other readers of kustomize's output then see a number, or fail on the whole file.";
        "Write another value. No real setting has these shapes; a label or annotation value can start with a letter."
    "average-value-on-fold" error:
        "An `averageValue` target on a Flink metric preset that is an average or a maximum over the job's tasks (busyTime, latency, watermarkLag, kafkaLag).";
        "The autoscaler divides an averageValue metric by the number of TaskManagers; only a sum (backlog) grows with the work they share, so the rule would scale on a number that means nothing.";
        "Use `target: {value: ...}`, the threshold for the job as a whole."
    "busy-time-target" error:
        "With `engine: operator`, a missing `busyTime` rule, or a busy-time target outside (0, 1000] milliseconds per second.";
        "The operator's autoscaler scales each vertex to a utilization target; flinkform takes it from the busyTime rule (`700` → `job.autoscaler.utilization.target: 0.7`), and a vertex is never busy more than 1000 ms per second.";
        "Add `flinkMetrics: [{metric: busyTime, target: {value: \"700\"}}]`."
    "config-key" error:
        "A `flinkConfiguration` key with characters other than letters, digits, `.`, `-` and `_`.";
        "No Flink option has such a key, and a space, `#`, `:` or line break in it would change how a reader of the configuration file splits the line: a key could hide another or smuggle in one flinkform sets.";
        "Use the option's key as Flink documents it, e.g. `execution.checkpointing.interval`."
    "duplicate-environment" error:
        "Two environments with the same name in flinkform.yaml.";
        "An environment names an output folder and an overlay; two would overwrite each other.";
        "Rename or merge one of them."
    "duplicate-job" error:
        "Two job definitions with the same `metadata.name` in the project.";
        "Job names name `base/<job>`, the overlays and the keys of `environments[].jobs`.";
        "Give each job its own name."
    "duplicate-key" error:
        "A key given twice in one YAML map.";
        "YAML readers disagree on which value wins; Kubernetes tools take the last, others the first.";
        "Remove one of the two."
    "empty-file" error:
        "A job file with no document, or only comments.";
        "Every file below `jobs/` is read as a job definition.";
        "Add the job, or remove the file."
    "encoding" error:
        "A file that is not UTF-8 text.";
        "YAML and Kubernetes read UTF-8 only.";
        "Save the file as UTF-8."
    "engine-target" error:
        "`autoscaling.engine: operator` on a job whose target is standalone.";
        "The operator engine is the Flink Kubernetes Operator's own autoscaler; standalone Deployments have no operator to run it.";
        "Set `target: operator`, or use `engine: hpa` or `engine: keda`."
    "file-not-found" error:
        "A file given on the command line that does not exist.";
        "Nothing can be checked in it.";
        "Check the path."
    "file-too-large" error:
        "A file larger than the 8 MiB flinkform reads.";
        "Definitions are small; the bound keeps a stray file from stalling every run.";
        "Split the file, or remove what does not belong in the project."
    "flux-substitution" warning:
        "`${...}` in a value.";
        "Flux's post-build substitution rewrites `${VAR}` in everything it applies, so the value reaching the cluster would differ from the one in Git.";
        "Write `$${` to keep it literal under Flux, or avoid `${...}`."
    "ha-storage-dir" error:
        "High availability without `state.highAvailability.storageDir`.";
        "Flink keeps the job graph and the pointers to its checkpoints there; without it the JobManager cannot start in high-availability mode.";
        "Set `storageDir` to durable storage, e.g. s3://bucket/ha."
    "ha-without-checkpoints" error:
        "High availability without `state.checkpoints`.";
        "A restarted JobManager resumes from the latest checkpoint; kept only in the JobManager's memory there is none to resume from.";
        "Set `state.checkpoints` to durable storage."
    "image-tag" warning:
        "An image without a tag, or with `:latest`.";
        "Every render would mean whatever the registry holds that day, and a node may run a different image than the next.";
        "Pin a version tag or a digest."
    "ingress-tls-host" error:
        "`ingress.tls` without `ingress.host`.";
        "The certificate is served for a host name.";
        "Set `ingress.host`."
    "invalid-character" error:
        "A value with a character that not every YAML reader keeps: a control character other than tab and line breaks, or a Unicode non-character.";
        "Go's YAML (kustomize, Argo CD, kubectl) refuses such characters, so the manifests would not apply, or apply with another value.";
        "Remove the character."
    "invalid-key" error:
        "An annotation or `nodeSelector` key that is not a Kubernetes qualified name: an optional DNS subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.` that starts and ends with a letter or digit (`a~b/x`, `bad key!`).";
        "The API server refuses the object, so the job would fail at apply time, after review; and a key of thousands of characters is one YAML readers refuse to read back.";
        "Write the key as Kubernetes documents it, e.g. `example.com/owner`."
    "invalid-kubernetes-value" error:
        "A value in Kubernetes' own shape (env, tolerations, affinity, volumes, ...) that is not of its Kubernetes type: a wrong type or a missing field.";
        "The API server would reject the Deployment.";
        "Write it as in a pod spec (`kubectl explain pod.spec`)."
    "invalid-label" error:
        "A label key or value that Kubernetes does not accept.";
        "The API server rejects the object.";
        "Label keys are [prefix/]name; values at most 63 characters of letters, digits, '-', '_' and '.'."
    "invalid-metric-rule" error:
        "A flinkMetrics rule with both or neither of `metric` and `external`.";
        "A rule scales on one metric.";
        "Give `metric: <preset>` or `external: {name: ...}`."
    "invalid-name" error:
        "A name that is not a valid Kubernetes name, or too long for the names derived from it.";
        "Every object's name derives from the job's name and the naming patterns.";
        "Use a lowercase DNS label, short enough for every derived name."
    "invalid-output" error:
        "An emitted object that is not valid Kubernetes, or whose references do not hold (a template's mistake, most often a project template).";
        "The cluster would reject it or run it wrong.";
        "Fix the template named in the message."
    "invalid-quantity" error:
        "CPU or memory that a Flink process cannot run with.";
        "A JVM needs room for its overhead and metaspace; a Flink process below 256Mi does not start.";
        "Give at least 1m of CPU and 256Mi of memory."
    "invalid-selector" error:
        "A label selector of an external metric that is not a valid selector.";
        "The metrics API rejects it, and the HPA never gets a value.";
        "Use valid label keys and values."
    "invalid-target" error:
        "A metric target with both `value` and `averageValue`, or neither.";
        "A target is one or the other.";
        "Keep one."
    "invalid-value" error:
        "A value the schema does not allow (not one of an enum, not matching a pattern).";
        "The field would not mean what was intended.";
        "Use one of the values the message lists."
    "jar-outside-usrlib" error:
        "A `jarURI` outside /opt/flink/usrlib.";
        "In standalone application mode the JobManager loads the job from the jars below /opt/flink/usrlib only; a jar elsewhere is never loaded.";
        "Copy the jar into /opt/flink/usrlib in the image and point `jarURI` there."
    "jar-uri" error:
        "A `jarURI` that is not `local://`.";
        "Standalone application mode runs the jar inside the image.";
        "Build the jar into the image: `local:///opt/flink/usrlib/job.jar`."
    "java-opts-replaced" warning:
        "`env.java.opts.all` (or `env.java.opts`) in flinkConfiguration.";
        "It replaces the image's value, which holds the --add-opens flags Flink needs on Java 17: the job then fails at submission with InaccessibleObjectException.";
        "Set `env.java.opts.jobmanager` and `env.java.opts.taskmanager` instead."
    "keda-external-metric" error:
        "An `external` metric rule with the keda engine.";
        "KEDA queries Prometheus itself; an External metric is an HPA feature.";
        "Use a preset, or `engine: hpa`."
    "keda-prometheus-url" error:
        "The keda engine with a Flink metric preset but no `spec.prometheus.url`.";
        "KEDA's prometheus trigger needs the server to ask.";
        "Set `spec.prometheus.url` in flinkform.yaml."
    "legacy-config-value" error:
        "A Flink configuration value that flink-conf.yaml (Flink before 1.19) cannot hold as written: a `#`, a line break, an empty value, or spaces at either end.";
        "Flink reads flink-conf.yaml line by line (a carriage return ends a line too), cuts each line at `#`, trims key and value, and skips a key without a value: the job would run with another value than the one written.";
        "Change the value, or use Flink 1.19 or later, which reads config.yaml as YAML."
    "max-parallelism-implicit" warning:
        "Autoscaling without `job.maxParallelism`.";
        "Reactive mode runs with every slot up to the maximum parallelism, which Flink derives when it is not set; a later change to it makes the job's state unrestorable.";
        "Set `job.maxParallelism` once, at least maxReplicas x taskSlots."
    "memory-rule" warning:
        "A memory scaling rule below 90 %.";
        "A JVM takes its heap at start and seldom gives it back, so memory use stays high after the load drops and the rule rarely scales down.";
        "Scale on cpu or a Flink metric; keep memory as a guard at 90 % or more."
    "min-replicas-zero" error:
        "`minReplicas: 0`.";
        "An HPA cannot scale to zero, and KEDA could never wake the job: cpu, memory and Flink's metrics all come from its TaskManagers.";
        "Use `minReplicas: 1`."
    "missing-field" error:
        "A required field that no layer supplies.";
        "The job cannot be rendered without it.";
        "Add it to the job file, or to the project's `defaults`."
    "mount-over-conf" error:
        "A volume mount at, below or above /opt/flink/conf.";
        "It would hide or replace the configuration flinkform gives Flink.";
        "Mount elsewhere; set Flink options in `flinkConfiguration`."
    "multiple-documents" error:
        "More than one document where one is expected (flinkform.yaml).";
        "The project has one project file.";
        "Keep one document."
    "name-collision" error:
        "Two emitted objects of one kind with the same namespace and name.";
        "One would overwrite the other in the cluster.";
        "Make the naming patterns include `{{ name }}`."
    "naming-pattern" error:
        "A naming pattern that does not render: an unknown variable or a syntax error.";
        "Every object's name comes from its pattern.";
        "Use `name`, `space`, `spaceId`, and `env` in the namespace pattern only."
    "no-checkpointing" warning:
        "Autoscaling without a checkpoint interval.";
        "Every scale event restarts the job; without checkpoints it restarts from nothing.";
        "Set `execution.checkpointing.interval` in flinkConfiguration."
    "no-high-availability" warning:
        "A job that checkpoints or autoscales without `state.highAvailability`.";
        "Any JobManager restart (a crash, an eviction, a node drain, a rollout) starts it again from its initialSavepoint or from nothing.";
        "Set `state.highAvailability: {enabled: true, storageDir: ...}` with `state.checkpoints`, or `enabled: false` to accept the loss."
    "no-jobs" error:
        "A project without job files.";
        "There is nothing to render.";
        "Add a job below `jobs/` (`flinkform init` writes an example)."
    "no-scaling-rule" error:
        "Autoscaling enabled without a rule.";
        "The autoscaler has nothing to scale on.";
        "Add `cpu`, `memory` or `flinkMetrics`, or set `enabled: false`."
    "not-a-file" error:
        "An input (a job file, flinkform.yaml, a template) that is a folder, a FIFO, a device or a socket, not a regular file.";
        "Reading a FIFO or a device could wait forever or never end; flinkform reads only regular files.";
        "Replace it with a regular file, or move it out of the project."
    "not-enough-slots" error:
        "Without autoscaling, a parallelism above replicas x taskSlots.";
        "Flink's default scheduler waits for every slot the parallelism needs: the job never leaves CREATED.";
        "Raise `taskManager.replicas` or `taskSlots`, or lower `parallelism`."
    "operator-flink-version" error:
        "A Flink version newer than the FlinkDeployment's `flinkVersion` enum (up to `v2_4`).";
        "The operator's admission rejects a FlinkDeployment whose version it does not know.";
        "Use a Flink version the operator supports, or the standalone target."
    "operator-java-opts" warning:
        "`env.java.opts.all` in the flinkConfiguration of a Flink 1.18 job on the operator target.";
        "For 1.18 the operator puts the JVM flags Java 17 needs (`--add-exports`, `--add-opens`) into that very key; a value of the job's replaces them, and a Java 17 image then fails at submission with `InaccessibleObjectException`.";
        "Include the flags of Flink 1.18's default configuration in the value, or leave the key to the operator."
    "operator-name" error:
        "A job on the operator target whose name is longer than 45 characters.";
        "The FlinkDeployment's name becomes Flink's cluster id, which the operator limits to 45 characters; it rejects longer names.";
        "Shorten the job's name."
    "operator-name-collision" error:
        "A TaskManager metrics Service (`naming.taskManagerService`) named like a Service the operator creates for the job: `<name>` or `<name>-rest`.";
        "Two owners of one Service: the operator and the GitOps tool would overwrite each other's.";
        "Change `naming.taskManagerService`; the default `{{ name }}-taskmanager` is free."
    "operator-service-account" error:
        "Different `pod.serviceAccountName`s for the JobManager and the TaskManager on the operator target.";
        "The operator runs both pods as the FlinkDeployment's one `serviceAccount`.";
        "Set one `pod.serviceAccountName` for both pods."
    "out-of-range" error:
        "A number beyond what its consumer holds (Flink's Java ints, Kubernetes' int32), or below its minimum.";
        "Flink or Kubernetes would reject it, or read another number.";
        "Use a value in the range the message gives."
    "owned-config-key" error:
        "A flinkConfiguration key that flinkform sets itself.";
        "flinkform derives it from other fields; two sources would disagree.";
        "Remove it; the message names the field that sets it."
    "owned-env" error:
        "An environment variable flinkform sets in the Flink container (JOB_MANAGER_RPC_ADDRESS, POD_IP, ENABLE_BUILT_IN_PLUGINS).";
        "It points the pods at the JobManager, the pod IP or the image's plugins.";
        "Remove it."
    "owned-label" error:
        "A job label (`metadata.labels`) that flinkform sets on every object (app.kubernetes.io/*).";
        "The recommended labels and the selectors depend on them; a second value would be dropped or would break a selector.";
        "Remove it, or use another key."
    "owned-pod-metadata" error:
        "A pod label or annotation that flinkform sets (app.kubernetes.io/*, flinkform.dev/config-hash, prometheus.io/*).";
        "Selectors, the configuration rollout and the metrics scrape depend on them.";
        "Remove it."
    "owned-volume" error:
        "A volume named like one of flinkform's (flink-config, flink-conf).";
        "It would replace the configuration volumes.";
        "Give it another name."
    "parallelism-range" error:
        "`parallelism` above `maxParallelism`.";
        "A job cannot run with more parallel tasks than key groups.";
        "Lower `parallelism`, or raise `maxParallelism` for a new job."
    "path-outside-project" error:
        "`jobs`, `output` or `templates` outside the project, or absolute.";
        "flinkform reads and writes only inside the project.";
        "Use a relative path inside the project."
    "plugin-version" error:
        "A state URI whose scheme needs one of the image's filesystem plugins, with a `flinkVersion` without its patch release.";
        "The plugin jars in the image are named with the full Flink version; the entrypoint stops the container when the jar it is told to enable is not there.";
        "Give the image's release, e.g. `flinkVersion: \"1.20.1\"`."
    "replicas-from-parallelism" warning:
        "`taskManager.replicas` on the operator target without an HPA, where it differs from what `job.parallelism` / `taskSlots` needs.";
        "In the operator's native mode the JobManager asks for as many TaskManagers as the parallelism needs; the replicas are not used.";
        "Remove `taskManager.replicas`, or change `job.parallelism`."
    "replicas-range" error:
        "`minReplicas` above `maxReplicas`.";
        "The autoscaler cannot hold both.";
        "Make minReplicas at most maxReplicas."
    "reserved-environment" error:
        "An environment named like a folder of the output (base, platform).";
        "Its overlay would collide with that folder.";
        "Choose another name."
    "reserved-job-name" error:
        "A job named `namespaces`.";
        "`<env>/namespaces/` holds an environment's Namespaces; the job's overlay would be written over them.";
        "Give the job another name."
    "restart-strategy-limit" warning:
        "Autoscaling with a restart strategy that gives up (fixed-delay, failure-rate, none).";
        "Every TaskManager a scale-down removes fails the job's tasks once; after a few scale events the job would fail for good.";
        "Use `exponential-delay`, Flink's default with checkpointing."
    "schema" error:
        "A value the schema rejects for a reason the other codes do not name.";
        "The job cannot be read as written.";
        "Read the message, and compare with `flinkform schema`."
    "slots-above-max-parallelism" warning:
        "maxReplicas x taskSlots above `maxParallelism`.";
        "Reactive mode never runs more tasks than the maximum parallelism: the TaskManagers above it sit idle.";
        "Lower maxReplicas, or start a new job with a higher maxParallelism."
    "state-not-durable" warning:
        "Checkpoints kept in the JobManager's memory, or state in a pod's own folder (file://).";
        "Both go with the pod: a JobManager restart loses them.";
        "Use object storage (s3://, gs://, abfs://) in `state`."
    "stateless-upgrade" warning:
        "A job on the operator target with neither high availability nor savepoints and checkpoints, so its upgrade mode is `stateless`.";
        "Every change to its FlinkDeployment (image, configuration, resources) makes the operator start the job again from empty state or its initialSavepoint.";
        "Set `state.highAvailability` (upgrade mode last-state), or `state.savepoints` with `state.checkpoints` (upgrade mode savepoint)."
    "suspend-target" error:
        "`job.suspended: true` on a job whose target is standalone.";
        "Suspending is the operator's: it keeps the job's state as its upgrade mode does and removes the pods. Standalone Deployments have no one to take that savepoint.";
        "Set `target: operator`, or take a savepoint and remove the job from the environment."
    "symlink-escape" error:
        "An input that is a symlink out of the project, or a file outside it.";
        "flinkform reads nothing outside the project.";
        "Copy the file into the project."
    "target-unsupported" error:
        "A setting the operator target cannot express: `engine: keda`, or with `engine: operator` a cpu, memory, backlog, latency, watermarkLag, kafkaLag or external rule, or `behavior`.";
        "Under the operator, autoscaling is an HPA on the FlinkDeployment's scale subresource (`engine: hpa`, every rule) or the operator's autoscaler (`engine: operator`), which scales each vertex on the busy time it measures and has its own keys for pacing.";
        "Use `engine: hpa` for that rule, or a `busyTime` rule with `engine: operator`; set `job.autoscaler.*` pacing keys in flinkConfiguration."
    "template" error:
        "A template that does not render, or renders YAML that does not parse.";
        "Its object cannot be written.";
        "Fix the template named in the message."
    "template-name" error:
        "A template in the `templates:` folder whose file name holds characters other than letters, digits, `.`, `_` and `-`, or that is named `kustomization.yaml.j2`.";
        "The name becomes the name of an output file, and render records the files it owns one per line: a name with a line break or a space could make it record, and later delete, a file it never wrote. `kustomization.yaml` is the file render writes in every job folder itself.";
        "Rename the template, e.g. `poddisruptionbudget.yaml.j2`."
    "template-namespace" error:
        "A project template renders an object of a job in another namespace than the job's (or in none).";
        "Each job's overlay sets the job's namespace on all its objects, as kustomize does: the object would land in one namespace from `kubectl kustomize` and in another from `flinkform build`, and the two must agree.";
        "Write `namespace: {{ names.namespace }}` in the template's metadata."
    "templates" error:
        "A `templates:` folder that cannot be read, or a template in it that cannot be read.";
        "The project's templates replace built-in ones; without them the output would be wrong.";
        "Create the folder, fix its permissions, or remove `templates:` from flinkform.yaml."
    "undefined-volume" error:
        "A volume mount that names no volume of its pod.";
        "The API server rejects the Deployment.";
        "Define the volume in the same pod, or in `pod` for both."
    "unknown-field" error:
        "A field the schema does not know: a typo, or a field in the wrong place.";
        "It would be silently ignored.";
        "Check the spelling and the nesting against `flinkform schema`."
    "unknown-job" error:
        "An environment override for a job that does not exist.";
        "The override would apply to nothing.";
        "Fix the job's name, or remove the override."
    "unknown-kubernetes-field" error:
        "A field that the Kubernetes type of a value does not have.";
        "The API server would drop or reject it.";
        "Check the spelling against the type (`kubectl explain pod.spec`)."
    "unmounted-volume" error:
        "A volume that nothing mounts in its pod.";
        "It is dead weight, or a mount was forgotten.";
        "Mount it, or define it only in the pod that mounts it."
    "unreadable-file" error:
        "A file that cannot be read (permissions, a folder where a file was expected).";
        "Nothing is known about it.";
        "Fix its permissions or the path."
    "wrong-kind" error:
        "A file whose `kind` or `apiVersion` is not what its place expects.";
        "Job files are `kind: FlinkJob`, the project file `kind: Project`.";
        "Fix the header, or move the file."
    "wrong-type" error:
        "A value of the wrong type (a number where a string belongs, say).";
        "It would be read as something else, or rejected.";
        "Write the type the message names; quote strings that look like numbers."
    "yaml-key" error:
        "A YAML key that is not a plain string (a map or list as a key, a merge key `<<`).";
        "Kubernetes tools and flinkform read keys as strings.";
        "Use string keys; repeat the values instead of a merge key."
    "yaml-syntax" error:
        "YAML that does not parse.";
        "Nothing in the file can be read.";
        "Fix the syntax at the position given."
    "yaml-tab" error:
        "A tab in the indentation.";
        "YAML forbids tabs for indentation.";
        "Indent with spaces."
    "yaml-tag" error:
        "A YAML tag other than the core ones.";
        "Tags change how a value is read, and readers disagree on them.";
        "Remove the tag."
    "yaml-too-deep" error:
        "Nesting deeper than 64 levels.";
        "No definition needs it; the bound keeps a hostile file from exhausting the stack.";
        "Flatten the structure."
    "yaml-too-large" error:
        "A file that expands to more than a million values (aliases included).";
        "The bound keeps a 'billion laughs' file from exhausting memory.";
        "Remove the alias expansion."
}

/// The documentation of a code, if it has one.
#[must_use]
pub fn find(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}

/// What `flinkform explain CODE` prints.
#[must_use]
pub fn text(c: &Code) -> String {
    format!(
        "{}[{}]\n\n{}\n\nWhy: {}\n\nFix: {}\n",
        c.severity, c.code, c.catches, c.why, c.fix
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_sorted_and_unique() {
        let names: Vec<&str> = super::CODES.iter().map(|c| c.code).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
