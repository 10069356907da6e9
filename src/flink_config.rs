//! The Flink configuration file of a job, and how it reaches Flink in the pod.
//!
//! Flink 1.19 introduced `config.yaml`, read as standard YAML; earlier versions read
//! `flink-conf.yaml` line by line as `key: value` text (2.x reads only `config.yaml`, 1.18 only
//! `flink-conf.yaml`). flinkform writes the keys it owns and the user's keys in one sorted
//! list of flat `key: value` lines, in the format of the job's Flink version.
//!
//! The image's own configuration file carries settings flinkform does not own and the pods
//! need, above all the JVM flags Java 17 requires (`env.java.opts.all: --add-opens ...`). So
//! the pod does not replace it: an init container merges the generated keys over the image's
//! file (see [`init_script`]) into an `emptyDir` that the Flink container mounts read-only
//! at `/opt/flink/conf`, where the entrypoint's in-place rewrite fails and the merged file
//! stays as it is.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::model::parse_quantity;
use crate::resolved::ResolvedJob;
use crate::yaml::write;

pub struct FlinkConfig {
    pub file_name: &'static str,
    pub content: String,
    /// `log4j-console.properties`, when the job sets `logging`.
    pub logging: Option<String>,
    /// SHA-256 of the content, for the pod-template annotation that rolls pods on a change.
    pub hash: String,
}

/// Major and minor of a Flink version (`1.20`, `1.20.1`).
pub fn major_minor(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Whether a Flink version reads `config.yaml` (1.19 and later).
#[must_use]
pub fn uses_config_yaml(version: &str) -> bool {
    let (major, minor) = major_minor(version);
    major >= 2 || (major == 1 && minor >= 19)
}

/// Whether a version names its checkpoint keys `execution.checkpointing.*` (2.0 and later).
fn uses_new_checkpoint_keys(version: &str) -> bool {
    major_minor(version).0 >= 2
}

/// The checkpoint and savepoint directory keys of a Flink version.
#[must_use]
pub fn state_dir_keys(version: &str) -> (&'static str, &'static str) {
    if uses_new_checkpoint_keys(version) {
        (
            "execution.checkpointing.dir",
            "execution.checkpointing.savepoint-dir",
        )
    } else {
        ("state.checkpoints.dir", "state.savepoints.dir")
    }
}

/// The built-in filesystem plugin a URI scheme needs, by the jar's name without its version.
/// For `s3://` Flink's documentation recommends the Presto plugin for checkpoints.
#[must_use]
pub fn filesystem_plugin(uri: &str) -> Option<&'static str> {
    let scheme = uri.split_once("://")?.0;
    Some(match scheme {
        "s3" | "s3p" => "flink-s3-fs-presto",
        "s3a" => "flink-s3-fs-hadoop",
        "gs" => "flink-gs-fs-hadoop",
        "abfs" | "abfss" | "wasb" | "wasbs" => "flink-azure-fs-hadoop",
        "oss" => "flink-oss-fs-hadoop",
        _ => return None,
    })
}

/// The state URIs of a job: checkpoints, savepoints and the HA storage folder.
pub fn state_uris(spec: &crate::model::JobSpec) -> impl Iterator<Item = &str> {
    let st = &spec.state;
    [
        st.checkpoints.as_deref(),
        st.savepoints.as_deref(),
        st.ha().and_then(|h| h.storage_dir.as_deref()),
    ]
    .into_iter()
    .flatten()
}

/// The image's built-in filesystem plugins that the job's state URIs need, each once, by the
/// name of their jar without its version.
#[must_use]
pub fn filesystem_plugins(spec: &crate::model::JobSpec) -> Vec<&'static str> {
    let mut plugins: Vec<&'static str> = state_uris(spec).filter_map(filesystem_plugin).collect();
    plugins.sort_unstable();
    plugins.dedup();
    plugins
}

/// Where the Flink container finds its plugins; with filesystem plugins an `emptyDir` that the
/// init container fills.
pub const PLUGINS_DIR: &str = "/opt/flink/plugins";

/// `kubernetes.cluster-id`: unique per job and environment, also across projects and
/// environments that share one storage folder, at most 45 characters (what Flink allows), and
/// stable for as long as the job, the environment and the namespace keep their names.
#[must_use]
pub fn cluster_id(job: &ResolvedJob) -> String {
    let digest =
        Sha256::digest(format!("{}/{}/{}", job.names.namespace, job.name(), job.env).as_bytes());
    let mut prefix = format!("{}-{}", job.name(), job.env);
    prefix.truncate(36);
    let prefix = prefix.trim_end_matches('-');
    format!("{prefix}-{}", &hex(&digest)[..8])
}

/// The fixed job id a job gets with high availability: application mode recovers a job only
/// under the id it had, so it is derived from the cluster id alone.
#[must_use]
pub fn job_id(job: &ResolvedJob) -> String {
    let digest = Sha256::digest(format!("flinkform job id {}", cluster_id(job)).as_bytes());
    hex(&digest)[..32].to_owned()
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// Whole mebibytes of a memory quantity, as Flink's `m` unit.
pub fn flink_memory(quantity: &str) -> String {
    let bytes = parse_quantity(quantity).unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mib = (bytes / 1_048_576.0).floor() as u64;
    format!("{mib}m")
}

/// The name a job registers in Flink, as Flink's Prometheus reporter writes it in the
/// `job_name` label: every character outside `[a-zA-Z0-9:_]` becomes `_`.
#[must_use]
pub fn prometheus_job_name(job: &ResolvedJob) -> String {
    job.job
        .spec
        .job
        .flink_job_name
        .as_deref()
        .unwrap_or(&job.job.metadata.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ':' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The init container's shell script: copy the image's conf folder into the `emptyDir`, then
/// write the image's configuration file without the top-level keys the generated file sets,
/// followed by the generated file. Flink reads a later flat key over an earlier nested one
/// and never sees a key twice. From 1.19 on an image's `flink-conf.yaml` would take
/// precedence over `config.yaml`, so it goes.
///
/// With filesystem plugins it also makes the plugins folder: the image's own plugins, and a
/// link to each filesystem plugin's jar in `/opt/flink/opt`, found by its name without the
/// version. The official entrypoint's `ENABLE_BUILT_IN_PLUGINS` takes only exact jar names,
/// and stops the container when the image's patch release differs from the one named, which
/// a rebuilt image on a moving tag (`flink:1.20`) does.
#[must_use]
pub fn init_script(file_name: &'static str, plugins: &[&str]) -> String {
    let legacy = if file_name == "config.yaml" {
        "rm -f /flink-conf/flink-conf.yaml\n"
    } else {
        ""
    };
    let mut script = format!(
        "set -eu\n\
         cp -R /opt/flink/conf/. /flink-conf/\n\
         {legacy}\
         touch /flink-conf/{file_name}\n\
         awk 'NR == FNR {{ if (match($0, /^[^ #][^:]*:/)) own[substr($0, 1, RLENGTH)] = 1; next }}\n\
         \x20    !(match($0, /^[^ #][^:]*:/) && (substr($0, 1, RLENGTH) in own))' \\\n\
         \x20 /flink-config/{file_name} /flink-conf/{file_name} > /flink-conf/.merged\n\
         cat /flink-config/{file_name} >> /flink-conf/.merged\n\
         mv /flink-conf/.merged /flink-conf/{file_name}\n\
         if [ -f /flink-config/{LOG_CONFIG} ]; then cp -L /flink-config/{LOG_CONFIG} /flink-conf/; fi\n"
    );
    script.push_str(&plugins_script(plugins));
    script
}

/// The shell lines that fill the plugins `emptyDir` (mounted at `/flink-plugins`): the image's
/// own plugins and a link to each filesystem plugin's jar, whatever its version; nothing
/// without filesystem plugins.
#[must_use]
pub fn plugins_script(plugins: &[&str]) -> String {
    let mut script = String::new();
    if !plugins.is_empty() {
        script.push_str("cp -R /opt/flink/plugins/. /flink-plugins/\n");
    }
    for plugin in plugins {
        script.push_str(&format!(
            "set -- /opt/flink/opt/{plugin}-*.jar\n\
             if [ ! -f \"$1\" ]; then echo \"the image has no /opt/flink/opt/{plugin}-*.jar\" >&2; exit 1; fi\n\
             mkdir -p /flink-plugins/{plugin}\n\
             ln -s \"$1\" /flink-plugins/{plugin}/\n"
        ));
    }
    script
}

/// The logging configuration the Flink scripts use in the foreground (as in a container).
pub const LOG_CONFIG: &str = "log4j-console.properties";

/// `log4j-console.properties` for a job's `logging`: Flink's console setup (the console for
/// `kubectl logs`, the rolling file the web UI shows) with the root level and named loggers.
#[must_use]
pub fn log_config(logging: &crate::model::LoggingSpec) -> String {
    let mut out = String::from(
        "# Written by flinkform from the job's `logging`.\n\
         monitorInterval = 30\n",
    );
    out.push_str(&format!(
        "rootLogger.level = {}\n",
        logging.level.as_deref().unwrap_or("INFO")
    ));
    out.push_str(
        "rootLogger.appenderRef.console.ref = ConsoleAppender\n\
         rootLogger.appenderRef.rolling.ref = RollingFileAppender\n",
    );
    for (i, (name, level)) in logging.loggers.iter().enumerate() {
        out.push_str(&format!(
            "logger.user{i}.name = {name}\nlogger.user{i}.level = {level}\n"
        ));
    }
    out.push_str(
        "# Netty's channel pipeline logs a harmless warning at every connection reset.\n\
         logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline\n\
         logger.netty.level = OFF\n\
         appender.console.name = ConsoleAppender\n\
         appender.console.type = CONSOLE\n\
         appender.console.layout.type = PatternLayout\n\
         appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n\n\
         appender.rolling.name = RollingFileAppender\n\
         appender.rolling.type = RollingFile\n\
         appender.rolling.append = true\n\
         appender.rolling.fileName = ${sys:log.file}\n\
         appender.rolling.filePattern = ${sys:log.file}.%i\n\
         appender.rolling.layout.type = PatternLayout\n\
         appender.rolling.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n\n\
         appender.rolling.policies.type = Policies\n\
         appender.rolling.policies.size.type = SizeBasedTriggeringPolicy\n\
         appender.rolling.policies.size.size = 100MB\n\
         appender.rolling.strategy.type = DefaultRolloverStrategy\n\
         appender.rolling.strategy.max = 10\n",
    );
    out
}

/// The keys flinkform sets under both targets: the Prometheus reporter, the job's name and
/// maximum parallelism, slots, reactive scheduling where an HPA adds TaskManagers, and where
/// state lives.
fn shared_keys<'a>(job: &'a ResolvedJob, keys: &mut BTreeMap<&'a str, Json>) {
    let spec = &job.job.spec;
    let mut set = |k: &'static str, v: Json| {
        keys.insert(k, v);
    };
    set(
        "metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory".into(),
    );
    set(
        "metrics.reporter.prom.port",
        spec.metrics.port.to_string().into(),
    );
    if let Some(max) = spec.job.max_parallelism {
        set("pipeline.max-parallelism", max.into());
    }
    set(
        "pipeline.name",
        spec.job
            .flink_job_name
            .clone()
            .unwrap_or_else(|| job.job.metadata.name.clone())
            .into(),
    );
    // Reactive mode turns the TaskManagers an HPA or KEDA adds into parallelism; the
    // operator's own autoscaler sets each vertex's parallelism itself.
    if matches!(
        job.scaling_engine(),
        Some(crate::model::Engine::Hpa | crate::model::Engine::Keda)
    ) {
        set("scheduler-mode", "reactive".into());
    }
    set(
        "taskmanager.numberOfTaskSlots",
        spec.task_manager.task_slots.into(),
    );
    let (checkpoint_key, savepoint_key) = state_dir_keys(&spec.flink_version);
    let cluster = cluster_id(job);
    let per_job = |dir: &str| format!("{}/{cluster}", dir.trim_end_matches('/'));
    if let Some(dir) = &spec.state.checkpoints {
        set(checkpoint_key, per_job(dir).into());
    }
    if let Some(dir) = &spec.state.savepoints {
        set(savepoint_key, per_job(dir).into());
    }
    if let Some(ha) = spec.state.ha() {
        set("high-availability.type", "kubernetes".into());
        if let Some(dir) = &ha.storage_dir {
            // Flink keeps HA data under `<storageDir>/<cluster-id>`; the operator makes the
            // cluster id the FlinkDeployment's name, the same in every environment, so the
            // folder carries the per-environment id itself.
            let dir = if job.on_operator() {
                per_job(dir)
            } else {
                dir.clone()
            };
            set("high-availability.storageDir", dir.into());
        }
    }
}

/// The `flinkConfiguration` of a FlinkDeployment: the keys both targets share, the operator's
/// autoscaler where it scales the job, and the user's keys, every value a string (what every
/// version of the operator's CRD takes). The operator sets the addresses, ports, memory,
/// parallelism, cluster id and namespace itself.
#[must_use]
pub fn operator_configuration(job: &ResolvedJob) -> BTreeMap<String, Json> {
    let spec = &job.job.spec;
    let mut keys: BTreeMap<&str, Json> = BTreeMap::new();
    shared_keys(job, &mut keys);
    if let Some(a) = spec.autoscaling.as_ref().filter(|a| a.enabled)
        && a.engine == crate::model::Engine::Operator
    {
        let slots = u64::from(spec.task_manager.task_slots);
        keys.insert("job.autoscaler.enabled", "true".into());
        if let Some(target) = crate::metrics::busy_time_utilization(a) {
            keys.insert("job.autoscaler.utilization.target", target.into());
        }
        keys.insert(
            "job.autoscaler.vertex.min-parallelism",
            (u64::from(a.min_replicas) * slots).into(),
        );
        if let Some(max) = a.max_replicas {
            keys.insert(
                "job.autoscaler.vertex.max-parallelism",
                (u64::from(max) * slots).into(),
            );
        }
    }
    for (k, v) in &spec.flink_configuration {
        keys.insert(k, v.clone());
    }
    keys.into_iter()
        .map(|(k, v)| {
            let text = match v {
                Json::String(s) => s,
                other => other.to_string(),
            };
            (k.to_owned(), Json::String(text))
        })
        .collect()
}

#[must_use]
pub fn build(job: &ResolvedJob) -> FlinkConfig {
    let spec = &job.job.spec;
    let mut keys: BTreeMap<&str, Json> = BTreeMap::new();
    shared_keys(job, &mut keys);
    let mut set = |k: &'static str, v: Json| {
        keys.insert(k, v);
    };
    set("blob.server.port", 6124.into());
    set("jobmanager.bind-host", "0.0.0.0".into());
    set(
        "jobmanager.memory.process.size",
        flink_memory(&spec.job_manager.resources.memory).into(),
    );
    set(
        "jobmanager.rpc.address",
        job.names.job_manager_service.clone().into(),
    );
    set("jobmanager.rpc.port", 6123.into());
    set("parallelism.default", spec.job.parallelism.into());
    set("rest.bind-address", "0.0.0.0".into());
    set("rest.port", 8081.into());
    set("taskmanager.bind-host", "0.0.0.0".into());
    set(
        "taskmanager.memory.process.size",
        flink_memory(&spec.task_manager.resources.memory).into(),
    );
    set("taskmanager.rpc.port", 6122.into());
    if spec.state.ha().is_some() {
        let cluster = cluster_id(job);
        // Standalone Flink keeps its HA data (job graphs, checkpoint pointers, blobs, the job
        // result store) under `<storageDir>/<high-availability.cluster-id>`, and does not
        // derive that id from `kubernetes.cluster-id`: left at its default, `/default`, every
        // job of one storage folder would share one folder, and the first job that ends for
        // good would delete the blobs of all.
        set("high-availability.cluster-id", cluster.clone().into());
        set("kubernetes.cluster-id", cluster.into());
        set("kubernetes.namespace", job.names.namespace.clone().into());
        // A job that failed before it was submitted is recorded as failed instead of making
        // the JobManager exit (and the Deployment restart it into the same failure); a
        // finished job's result stays in the job result store, so a JobManager restarted
        // after its job ended sees that it ended and does not run it again from the start.
        set(
            "execution.submit-failed-job-on-application-error",
            true.into(),
        );
        set("job-result-store.delete-on-commit", false.into());
    }
    // A job never silently starts over. Jobs are stopped through Git, not from the web UI or
    // the REST API (the Flink Kubernetes Operator decides the same); checkpoints outlive a
    // cancellation that happens anyway; and a JobManager whose job ended (cancelled,
    // finished, failed for good) keeps running with the job's final state instead of
    // exiting, which would make the Deployment start the job again from `initialSavepoint` or
    // empty state. Each is a default the job's `flinkConfiguration` can change.
    set("execution.shutdown-on-application-finish", false.into());
    set(
        "execution.checkpointing.externalized-checkpoint-retention",
        "RETAIN_ON_CANCELLATION".into(),
    );
    set("web.cancel.enable", false.into());
    for (k, v) in &spec.flink_configuration {
        keys.insert(k, v.clone());
    }

    let reactive = keys.get("scheduler-mode") == Some(&Json::from("reactive"));
    let (file_name, content) = if uses_config_yaml(&spec.flink_version) {
        (
            "config.yaml",
            write::entries_to_yaml(keys.iter().map(|(k, v)| (*k, v))),
        )
    } else {
        // flink-conf.yaml is not YAML to Flink: each line is split at the first ": ".
        let mut text = String::new();
        for (k, v) in keys {
            let v = match v {
                Json::String(s) => s,
                other => other.to_string(),
            };
            text.push_str(k);
            text.push_str(": ");
            text.push_str(&v.replace('\n', " "));
            text.push('\n');
        }
        ("flink-conf.yaml", text)
    };
    let logging = spec.logging.as_ref().map(log_config);
    let mut digest = Sha256::new();
    // Reactive mode runs the job at the parallelism its TaskManagers' slots allow. Of
    // `parallelism.default` it uses only the maximum parallelism Flink derives from it when
    // the job sets none, and only for a fresh start: a job that restores its state takes the
    // state's maximum instead (Flink rescales a maximum it derived itself). So a change of
    // `parallelism` must not roll the pods (a restart for nothing); the key stays in the file.
    if reactive {
        for line in content
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("parallelism.default:"))
        {
            digest.update(line.as_bytes());
        }
    } else {
        digest.update(content.as_bytes());
    }
    if let Some(log) = &logging {
        digest.update(b"\0");
        digest.update(log.as_bytes());
    }
    let hash = hex(&digest.finalize());
    FlinkConfig {
        file_name,
        content,
        logging,
        hash,
    }
}
