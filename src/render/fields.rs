//! The template context's types: what a template (built-in or a project's) reads by name and
//! the native builders read as fields. The text of each field is its reference
//! (`docs/reference/context.md`). Kubernetes fragments the templates write whole (labels,
//! probes, a container) stay JSON trees; the order of the fields is the order a template that
//! writes a whole block gets its keys in.

use serde_json::Value as Json;

use crate::model::{Engine, RunTarget};

use super::documented::documented;

documented! {
    /// The template context of one job in one environment.
    pub struct JobContext {
        /// The job's identity and what it runs.
        pub job: Job,
        /// The names of the job's objects, from the project's naming patterns.
        pub names: Names,
        /// The labels of every object of the job: the recommended `app.kubernetes.io/*`
        /// labels over the job's `metadata.labels`.
        pub labels: Labels,
        /// The selector labels of the two components: only labels that never change per
        /// environment (a selector is immutable).
        pub selector: Selector,
        /// The job's `metadata.annotations`.
        #[kind = "map of strings"]
        pub annotations: Json,
        /// The Flink configuration file and the logging configuration.
        pub config: Config,
        /// The Ingress to the JobManager's web UI; null without `spec.ingress`.
        pub ingress: Option<Ingress>,
        /// Where the pods serve Prometheus metrics.
        pub metrics: Metrics,
        /// What both components' pods share.
        pub pod: Pod,
        /// The JobManager's container and pod.
        pub job_manager: JobManager,
        /// The TaskManagers' container and pod.
        pub task_manager: TaskManager,
        /// High availability; null without it.
        pub ha: Option<Ha>,
        /// The Role, RoleBinding and ServiceAccount; null when the pods need no Kubernetes
        /// API access (no high availability, the standalone target).
        pub rbac: Option<Rbac>,
        /// The autoscaler; null when `spec.autoscaling` is absent or disabled.
        pub autoscaling: Option<Autoscaling>,
        /// The FlinkDeployment's fields; null on the standalone target.
        pub operator: Option<Operator>,
    }

    /// The job's identity and what it runs.
    pub struct Job {
        /// The job's name (`metadata.name`).
        pub name: String,
        /// Its space (`metadata.space`).
        pub space: String,
        /// The space's number (`metadata.spaceId`).
        pub space_id: u64,
        /// The environment being rendered.
        pub env: String,
        /// The container image.
        pub image: String,
        /// The image pull policy.
        pub image_pull_policy: String,
        /// The Flink version (`1.20.1`).
        pub flink_version: String,
        /// The job's name as Prometheus labels its metrics (`job_name`).
        pub flink_job_name: String,
        /// What runs the job.
        pub target: RunTarget,
    }

    /// The names of the job's objects.
    pub struct Names {
        /// The namespace of every object of the job.
        pub namespace: String,
        /// The JobManager Deployment.
        pub job_manager: String,
        /// The TaskManager Deployment (and its HPA or ScaledObject, and PodDisruptionBudget).
        pub task_manager: String,
        /// The JobManager Service (and the Ingress).
        pub job_manager_service: String,
        /// The headless TaskManager Service.
        pub task_manager_service: String,
        /// The ConfigMap of the Flink configuration.
        pub config_map: String,
        /// The ServiceAccount, Role and RoleBinding.
        pub service_account: String,
    }

    /// The labels of each object of the job.
    pub struct Labels {
        /// The JobManager's objects (Deployment, Service, Ingress).
        #[kind = "map of strings"]
        pub job_manager: Json,
        /// The TaskManagers' objects (Deployment, Service, autoscaler, PodDisruptionBudget).
        #[kind = "map of strings"]
        pub task_manager: Json,
        /// The ConfigMap.
        #[kind = "map of strings"]
        pub config: Json,
        /// The PodMonitor.
        #[kind = "map of strings"]
        pub metrics: Json,
        /// The ServiceAccount, Role and RoleBinding; null without them.
        #[kind = "map of strings"]
        pub rbac: Option<Json>,
        /// The FlinkDeployment; null on the standalone target.
        #[kind = "map of strings"]
        pub flink_deployment: Option<Json>,
    }

    /// The selector labels of the two components.
    pub struct Selector {
        /// The JobManager's pods.
        #[kind = "map of strings"]
        pub job_manager: Json,
        /// The TaskManagers' pods.
        #[kind = "map of strings"]
        pub task_manager: Json,
    }

    /// The Flink configuration file and the logging configuration.
    pub struct Config {
        /// The configuration file's name: `config.yaml` from Flink 1.19 on, else
        /// `flink-conf.yaml`.
        pub file_name: &'static str,
        /// The Flink configuration file's text.
        pub content: String,
        /// The logging configuration's file name (`log4j-console.properties`).
        pub log_file_name: &'static str,
        /// The log4j properties of `spec.logging`; null without it.
        pub logging: Option<String>,
        /// The hash of both files, the pods' `flinkform.dev/config-hash` annotation, so a
        /// change of configuration rolls the pods.
        pub hash: String,
    }

    /// The Ingress to the JobManager Service's web UI port.
    pub struct Ingress {
        /// The Ingress's annotations (`spec.ingress.annotations`).
        #[kind = "map of strings"]
        pub annotations: Json,
        /// The Ingress's `spec`: class, TLS and the one rule.
        #[kind = "object"]
        pub spec: Json,
    }

    /// Where the pods serve Prometheus metrics.
    pub struct Metrics {
        /// The metrics port of both components.
        pub port: u16,
        /// Whether a PodMonitor is written (`spec.metrics.podMonitor`).
        pub pod_monitor: bool,
    }

    /// What both components' pods share.
    pub struct Pod {
        /// The pod's security context: the image's `flink` user, the restricted profile.
        #[kind = "object"]
        pub security_context: Json,
        /// Each container's security context.
        #[kind = "object"]
        pub container_security_context: Json,
        /// The init container that writes the Flink configuration (and plugins) into the
        /// pod's writable configuration folder.
        #[kind = "container"]
        pub config_init: Json,
    }

    /// The JobManager's container and pod.
    pub struct JobManager {
        /// The container's arguments (`standalone-job`, its options, `--`, the job's).
        pub args: Vec<String>,
        /// Requests and limits, both as `spec.jobManager.resources`.
        #[kind = "object"]
        pub resources: Json,
        /// `livenessProbe`, `readinessProbe`, `startupProbe`.
        #[kind = "map of probes"]
        pub probes: Json,
        /// The pod.
        #[serde(flatten)]
        pub pod: ComponentPod,
    }

    /// The TaskManagers' container and pod.
    pub struct TaskManager {
        /// The number of TaskManagers (`spec.taskManager.replicas`); the Deployment leaves
        /// it out when an autoscaler owns the count.
        pub replicas: u32,
        /// Requests and limits, both as `spec.taskManager.resources`.
        #[kind = "object"]
        pub resources: Json,
        /// `livenessProbe`, `readinessProbe`.
        #[kind = "map of probes"]
        pub probes: Json,
        /// The pod.
        #[serde(flatten)]
        pub pod: ComponentPod,
    }

    /// One component's pod: flinkform's settings with the component's `pod` settings added.
    pub struct ComponentPod {
        /// The pod's labels: the component's labels and the user's pod labels.
        #[kind = "map of strings"]
        pub pod_labels: Json,
        /// The pod's annotations: the Prometheus scrape annotations, the configuration
        /// hash and the user's pod annotations.
        #[kind = "map of strings"]
        pub pod_annotations: Json,
        /// The pod-spec fields of the pod settings that are set, in the order a template
        /// writes them: `serviceAccountName`, `priorityClassName`, `nodeSelector`,
        /// `affinity`, `tolerations`, `topologySpreadConstraints`, `imagePullSecrets`.
        #[kind = "map"]
        pub scheduling: Json,
        /// The container's environment: flinkform's variables, then the user's.
        #[kind = "list of env vars"]
        pub env: Vec<Json>,
        /// The container's `envFrom`.
        #[kind = "list of env sources"]
        pub env_from: Vec<Json>,
        /// The pod's volumes: the configuration's, then the user's.
        #[kind = "list of volumes"]
        pub volumes: Vec<Json>,
        /// The container's volume mounts: the configuration's, then the user's.
        #[kind = "list of volume mounts"]
        pub volume_mounts: Vec<Json>,
    }

    /// High availability.
    pub struct Ha {
        /// Flink's `kubernetes.cluster-id`.
        pub cluster_id: String,
        /// The fixed job id the job recovers under.
        pub job_id: String,
    }

    /// The Role, RoleBinding and ServiceAccount.
    pub struct Rbac {
        /// Whether flinkform's own ServiceAccount is used, so written.
        pub create_account: bool,
        /// The accounts the RoleBinding grants the Role to.
        pub subjects: Vec<String>,
        /// The Role's rules.
        #[kind = "list of rules"]
        pub rules: Json,
    }

    /// The autoscaler.
    pub struct Autoscaling {
        /// Which autoscaler (`spec.autoscaling.engine`).
        pub engine: Engine,
        /// What it scales: the TaskManager Deployment, or the FlinkDeployment.
        #[kind = "object"]
        pub scale_target_ref: Json,
        /// The fewest TaskManagers.
        pub min_replicas: u32,
        /// The most TaskManagers (`spec.autoscaling.maxReplicas`).
        pub max_replicas: Option<u32>,
        /// The HPA's metrics.
        #[kind = "list of HPA metrics"]
        pub metrics: Vec<Json>,
        /// KEDA's triggers.
        #[kind = "list of KEDA triggers"]
        pub triggers: Vec<Json>,
        /// The scaling behavior, complete: the API server would fill in a partial one.
        pub behavior: Behavior,
    }

    /// The scaling behavior of both directions.
    pub struct Behavior {
        /// `stabilizationWindowSeconds`, `selectPolicy` and `policies` of a scale-up.
        #[kind = "object"]
        pub scale_up: Json,
        /// The same of a scale-down.
        #[kind = "object"]
        pub scale_down: Json,
    }

    /// The FlinkDeployment's fields, in the order its template writes them.
    pub struct Operator {
        /// The CRD's Flink version (`v1_20`).
        pub flink_version: String,
        /// `standalone` where an HPA scales the TaskManagers, else `native`.
        pub mode: &'static str,
        /// The account the pods run as.
        pub service_account: String,
        /// The `flinkConfiguration`.
        #[kind = "map of strings"]
        pub flink_configuration: Json,
        /// The `logConfiguration`; null without `spec.logging`.
        #[kind = "map of strings"]
        pub log_configuration: Option<Json>,
        /// `replicas`, `resource` and `podTemplate` of the JobManager.
        #[kind = "object"]
        pub job_manager: Json,
        /// `replicas` (under an HPA), `resource` and `podTemplate` of the TaskManagers.
        #[kind = "object"]
        pub task_manager: Json,
        /// The operator's `ingress`; null without `spec.ingress`.
        #[kind = "object"]
        pub ingress: Option<Json>,
        /// The `job`: jar, entry class, arguments, parallelism, upgrade mode, state,
        /// initial savepoint.
        #[kind = "object"]
        pub job: Json,
    }

    /// The context of `namespace.yaml.j2`, rendered once per namespace of an environment.
    pub struct NamespaceContext {
        /// The Namespace.
        pub namespace: Namespace,
    }

    /// A Namespace of the environment.
    pub struct Namespace {
        /// Its name.
        pub name: String,
        /// Its labels: flinkform's, the restricted Pod Security label, and the user labels
        /// all of its jobs agree on.
        #[kind = "map of strings"]
        pub labels: Json,
    }
}
