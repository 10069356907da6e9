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
        "An `averageValue` target on a Flink metric preset that is a maximum over the job's tasks (busyTime, the busiest task's average over its subtasks; latency, watermarkLag, kafkaLag).";
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
    "config-value" error:
        "A `flinkConfiguration` value that does not parse as the type of its option in the job's Flink version: a duration, memory size, boolean, integer, number or enum value Flink refuses (`30 seconds`, `1600Mi`, `yes`, `1.5` for an integer).";
        "Flink converts the value when a component reads the option, often only when the JobManager starts or the job is submitted: the pod starts, then crash-loops. The types come from Flink's own option classes of each release (scripts/flink-options), and the values are parsed the way Flink parses them (`TimeUtils`, `MemorySize`, `ConfigurationUtils`).";
        "Write a value of the option's type: durations as a whole number and a unit (`30 s`, `5 min`), memory sizes with Flink's units, which are powers of 1024 (`512m`, `2g`; not Kubernetes' `Mi`/`Gi`), booleans as `true`/`false`, enums as one of the values the message lists."
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
    "duration-without-unit" warning:
        "A duration option in `flinkConfiguration` given as a bare number (`execution.checkpointing.interval: 30`).";
        "Flink reads a number without a unit as milliseconds: a checkpoint every 30 ms instead of every 30 seconds.";
        "Write the unit: `30 s`, `30000 ms`, `5 min`."
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
    "flink-memory" error:
        "A JobManager or TaskManager memory that Flink refuses to start with, computed with Flink's own memory model for the job's version: the container's memory becomes `*.memory.process.size`, Flink takes JVM metaspace (default 256 MiB) and overhead (10 %, at least 192 MiB, at most 1 GiB) off it, and divides the rest, the Flink memory: on a TaskManager framework heap and off-heap (128 MiB each), task off-heap, managed memory (40 %) and network memory (10 %, at least 64 MiB), with the task heap taking what is left; on a JobManager off-heap (128 MiB) and the JVM heap. The job's own `*.memory.*` keys change the parts; when the parts do not fit, or a derived part falls outside its configured range, the process exits before it starts.";
        "Kubernetes starts the pod and Flink refuses the configuration at once: the pod crash-loops with an IllegalConfigurationException, and nothing before it says so. With the default settings a TaskManager needs about 1 GiB.";
        "Give the container more memory (the help line names the smallest size that starts with the job's settings), or lower the fixed parts (`taskmanager.memory.managed.fraction`, `taskmanager.memory.network.min`, `*.memory.jvm-metaspace.size`), or remove keys that fix a part against the others (`taskmanager.memory.task.heap.size` with `taskmanager.memory.managed.size`, `*.memory.flink.size`): Flink derives what is not set."
    "flink-properties-env" error:
        "`FLINK_PROPERTIES` in a pod's `env`.";
        "The official image's entrypoint appends `FLINK_PROPERTIES` to the Flink configuration file, but flinkform's pods mount the configuration read-only (so that the entrypoint cannot rewrite it), and the variable would be silently ignored.";
        "Set the keys in `flinkConfiguration`."
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
    "ingress-without-auth" warning:
        "An `ingress` whose annotations name no authentication (no `auth` annotation, Traefik middleware or source-range allowlist).";
        "The Ingress exposes Flink's REST API, which asks for no credentials and can cancel jobs, upload jars and run them: anyone who reaches the host controls the cluster.";
        "Add your ingress controller's authentication annotations (ingress-nginx: `nginx.ingress.kubernetes.io/auth-url` and `auth-signin` for an OAuth proxy, or `auth-type: basic`), a Traefik middleware, or a `whitelist-source-range`."
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
    "job-name-label" error:
        "A job whose `job_name`, as Flink's Prometheus reporter writes it (every character outside letters, digits, `:` and `_` turned into `_`), is not a Kubernetes label value, while an hpa rule on a Flink metric preset selects the job by it.";
        "The HPA's External metric selects the job with `matchLabels: {job_name: ...}`; a selector with an invalid label value is refused, and the HPA reports `FailedGetExternalMetric` and never scales.";
        "Choose a `flinkJobName` (or job name) that becomes at most 63 letters, digits, `_`, `-` or `.`, and starts and ends with a letter or digit: `Orders Enrichment v2`, not `Orders Enrichment (v2)`."
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
    "listener-config-key" error:
        "A `flinkConfiguration` key that moves or switches off a listener flinkform wires: `rest.bind-port`, `jobmanager.rpc.bind-port`, `taskmanager.rpc.bind-port`, `metrics.reporters`, or the Prometheus reporter's filters and label settings.";
        "flinkform points the Services, the Ingress, the probes and the scrape annotations at Flink's ports 8081, 6123 and 6122 and at the reporter's series; a listener moved elsewhere is unreachable, and a filtered reporter leaves the autoscaler without its metric.";
        "Remove the key. The metrics port is `metrics.port`."
    "max-parallelism-implicit" warning:
        "Autoscaling without `job.maxParallelism`.";
        "Reactive mode runs with every slot up to the maximum parallelism, which Flink derives when it is not set; a later change to it makes the job's state unrestorable.";
        "Set `job.maxParallelism` once, at least maxReplicas x taskSlots."
    "memory-rule" warning:
        "A memory scaling rule below 90 %.";
        "A JVM takes its heap at start and seldom gives it back, so memory use stays high after the load drops and the rule rarely scales down.";
        "Scale on cpu or a Flink metric; keep memory as a guard at 90 % or more."
    "metrics-port-collision" error:
        "A `metrics.port` equal to one of Flink's own ports in the pods: 6122, 6123, 6124 or 8081.";
        "The Prometheus reporter and Flink's RPC, blob server or REST API cannot listen on one port; one of them fails to start.";
        "Use another port, e.g. 9249."
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
    "network-buffers" warning:
        "A TaskManager whose network memory cannot hold the buffers one all-to-all exchange (a keyBy, a rebalance) reserves at the largest parallelism the job reaches: `maxReplicas` x `taskSlots` when it autoscales (capped by the maximum parallelism), else its parallelism. Each of a TaskManager's slots runs a sender, whose result partition reserves one buffer per receiver and one more, and a receiver, whose input gate reserves `buffers-per-channel` (2) exclusive buffers per sender on another TaskManager and one floating buffer (Flink's own sizing of a streaming job's pools); the TaskManager has its network memory divided by `taskmanager.memory.segment-size` (32 KiB) buffers.";
        "The job runs at a small scale, and after the autoscaler adds TaskManagers the tasks fail with `Insufficient number of network buffers`: the job does not restart at the new scale.";
        "Raise the network memory (`taskmanager.memory.network.fraction`, `taskmanager.memory.network.min`) or the TaskManager's memory, use fewer slots per TaskManager, or lower `maxReplicas` or the maximum parallelism."
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
        "A volume named like one of flinkform's (flink-config, flink-conf, flink-plugins).";
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
    "trace-column" error:
        "A load trace for `simulate` whose header is not what the simulation reads: no `time` column, `time` not first, a column given twice, a column that names no input of the simulated jobs' autoscaling (or, as `JOB:name`, no simulated job), or `records` without `--capacity`.";
        "Each column feeds one input of the autoscaling the environment emits: a column it does not read would be silently ignored, and the simulation would answer a question that was not asked.";
        "Name the columns `time`, then `cpu`, `memory`, `records`, a flinkMetrics preset or an external metric's name (`JOB:cpu` for one job); the error's help lists what the jobs read."
    "trace-time" error:
        "A row of a load trace whose time is earlier than the row before.";
        "Each value holds until the next row, so rows out of order have no meaning.";
        "Sort the rows by `time` (seconds from the start)."
    "trace-value" error:
        "A cell of a load trace that is not a number of 0 or more (a Kubernetes quantity such as `2Gi` is read too), a row with more or fewer cells than the header, a first row with an empty cell, or a trace without rows.";
        "The simulation cannot guess a load: a mistyped value would change every scale event after it.";
        "Write each cell as a number; leave a cell empty to keep the previous row's value."
    "undefined-volume" error:
        "A volume mount that names no volume of its pod.";
        "The API server rejects the Deployment.";
        "Define the volume in the same pod, or in `pod` for both."
    "unknown-config-key" warning:
        "A `flinkConfiguration` key that no option of the job's Flink version has, in a family of keys Flink uses (`execution.checkpointing.intreval`); the message names the closest key Flink knows. Keys whose first word Flink never uses (`kafka.bootstrap`, `myapp.mode`) are the job's own and pass, as do entries of a map option (`pipeline.global-job-parameters.x`), a reporter's parameters (`metrics.reporter.<name>.x`), Hadoop's `fs.*` keys, and the operator's `kubernetes.operator.*` and `job.autoscaler.*` keys on the operator target.";
        "Flink ignores keys it does not know, without a word: a typo leaves the setting at its default, and a key renamed in a newer release stops working after an upgrade. The known keys come from Flink's own option classes of each supported release (scripts/flink-options).";
        "Use the key the message suggests, or the one Flink's configuration reference names for your version."
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
