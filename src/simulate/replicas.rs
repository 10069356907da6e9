//! How the HorizontalPodAutoscaler turns one metric into a replica count: the replica
//! calculator of Kubernetes' controller (`pkg/controller/podautoscaler`, v1.33), written anew.
//!
//! The arithmetic is the controller's own, integer steps included: metric values are milli
//! units (`int64`), a utilization is a whole percent truncated towards zero, an average is an
//! integer division. Those truncations decide replica counts near a threshold, and the cases
//! ported from Kubernetes' tests pin them. Pods that are not ready, that have no metric yet,
//! that are failed or being deleted are grouped as the controller groups them, because that is
//! what holds a scale-up back while new TaskManagers start.

/// A pod as the controller's pod lister sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pod {
    pub phase: Phase,
    /// The `Ready` condition.
    pub ready: bool,
    /// A deletion timestamp is set (the pod is terminating).
    pub deleting: bool,
    /// `status.startTime`, seconds.
    pub start: f64,
    /// When the `Ready` condition last changed, seconds.
    pub ready_since: f64,
    /// The pod's requests in milli units (cores·1000, bytes·1000); `None` when a container
    /// requests none.
    pub cpu_request: Option<i64>,
    pub memory_request: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Pending,
    Running,
    Failed,
}

/// One pod's sample from the resource or custom metrics API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Milli units.
    pub value: i64,
    pub timestamp: f64,
    /// The window the sample was taken over, seconds.
    pub window: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Cpu,
    Memory,
}

/// The controller's flags that decide whether a CPU sample of a young pod counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Readiness {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min).
    pub cpu_initialization: f64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s).
    pub initial_readiness_delay: f64,
    /// `--horizontal-pod-autoscaler-tolerance` (0.1), both ways.
    pub tolerance: f64,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness {
            cpu_initialization: 300.0,
            initial_readiness_delay: 30.0,
            tolerance: 0.1,
        }
    }
}

/// What one metric proposes: the replica count and the value the HPA's status would show
/// (a utilization in percent, or the average or total in milli units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub replicas: i32,
    pub value: i64,
}

/// Why a metric gave no proposal (the controller's error for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricError(pub String);

/// The pods' samples: one per pod of the list (`None`: the API returned none for it), and
/// samples for pods the lister does not know (a pod already gone).
#[derive(Clone, Debug, Default)]
pub struct Samples {
    pub pods: Vec<Option<Sample>>,
    pub unknown: Vec<i64>,
}

fn within(tolerance: f64, ratio: f64) -> bool {
    (1.0 - tolerance) <= ratio && ratio <= (1.0 + tolerance)
}

/// Whether the ratio with the missing pods filled in points the other way than without them:
/// the controller then keeps the current count.
fn flips(ratio: f64, new_ratio: f64) -> bool {
    (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0)
}

/// Whether a proposal moves against its ratio (more pods for a ratio below 1, fewer above).
fn against(ratio: f64, replicas: i32, current: i32) -> bool {
    (ratio < 1.0 && replicas > current) || (ratio > 1.0 && replicas < current)
}

/// A pod's place in the calculation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Ready,
    Unready,
    Missing,
    Ignored,
}

fn group(now: f64, pod: &Pod, sample: Option<&Sample>, cpu: bool, r: &Readiness) -> Group {
    if pod.deleting || pod.phase == Phase::Failed {
        return Group::Ignored;
    }
    if pod.phase == Phase::Pending {
        return Group::Unready;
    }
    let Some(sample) = sample else {
        return Group::Missing;
    };
    if cpu {
        let unready = if pod.start + r.cpu_initialization > now {
            // Still initialising: the sample counts once a whole window follows readiness.
            !pod.ready || sample.timestamp < pod.ready_since + sample.window
        } else {
            // Unready and never ready since it started.
            !pod.ready && pod.start + r.initial_readiness_delay > pod.ready_since
        };
        if unready {
            return Group::Unready;
        }
    }
    Group::Ready
}

/// `(utilization ratio, utilization in percent)` over the pods that have both a sample and a
/// request; `None` when no sample matches a known pod.
fn utilization(values: &[(i64, i64)], target: i32) -> Option<(f64, i64)> {
    let (used, requested) = values
        .iter()
        .fold((0i64, 0i64), |(u, q), (v, r)| (u + v, q + r));
    if requested == 0 {
        return None;
    }
    let percent = used * 100 / requested;
    Some((percent as f64 / f64::from(target), percent))
}

fn ceil_replicas(x: f64) -> i32 {
    let c = x.ceil();
    if c > f64::from(i32::MAX) {
        i32::MAX
    } else {
        c as i32
    }
}

/// A `Resource` metric with a `Utilization` target: `GetResourceReplicas`.
///
/// # Errors
/// No pods, no samples of known pods, or a pod without a request.
pub fn resource_utilization(
    now: f64,
    current: i32,
    target: i32,
    resource: Resource,
    pods: &[Pod],
    samples: &Samples,
    r: &Readiness,
) -> Result<Proposal, MetricError> {
    if samples.pods.iter().all(Option::is_none) && samples.unknown.is_empty() {
        return Err(MetricError(
            "no metrics returned from resource metrics API".into(),
        ));
    }
    if pods.is_empty() {
        return Err(MetricError("no pods returned by selector".into()));
    }
    let request = |p: &Pod| match resource {
        Resource::Cpu => p.cpu_request,
        Resource::Memory => p.memory_request,
    };
    let cpu = resource == Resource::Cpu;
    let groups: Vec<Group> = pods
        .iter()
        .zip(samples.pods.iter().chain(std::iter::repeat(&None)))
        .map(|(p, s)| group(now, p, s.as_ref(), cpu, r))
        .collect();
    let counted = |g: Group| groups.iter().filter(|x| **x == g).count();
    if counted(Group::Ready) == 0 && samples.unknown.is_empty() {
        return Err(MetricError(
            "did not receive metrics for targeted pods (pods might be unready)".into(),
        ));
    }
    let mut requests = Vec::with_capacity(pods.len());
    for p in pods {
        match request(p) {
            Some(q) => requests.push(q),
            None => return Err(MetricError("missing request for a container".into())),
        }
    }
    let ready_values: Vec<(i64, i64)> = (0..pods.len())
        .filter(|i| groups[*i] == Group::Ready)
        .filter_map(|i| samples.pods[i].map(|s| (s.value, requests[i])))
        .collect();
    let Some((ratio, percent)) = utilization(&ready_values, target) else {
        return Err(MetricError("no metrics returned matched known pods".into()));
    };
    let ready_count = counted(Group::Ready);
    let up_with_unready = counted(Group::Unready) > 0 && ratio > 1.0;
    let missing = counted(Group::Missing);
    if !up_with_unready && missing == 0 {
        if within(r.tolerance, ratio) {
            return Ok(Proposal {
                replicas: current,
                value: percent,
            });
        }
        return Ok(Proposal {
            replicas: ceil_replicas(ratio * ready_count as f64),
            value: percent,
        });
    }
    let mut values = ready_values;
    if missing > 0 {
        // A scale-down counts a pod without a sample as fully busy (or at a target above
        // 100 %), a scale-up as idle: either way the missing pod slows the change.
        let fallback = i64::from(target.max(100));
        for i in (0..pods.len()).filter(|i| groups[*i] == Group::Missing) {
            if ratio < 1.0 {
                values.push((requests[i] * fallback / 100, requests[i]));
            } else if ratio > 1.0 {
                values.push((0, requests[i]));
            }
        }
    }
    if up_with_unready {
        for i in (0..pods.len()).filter(|i| groups[*i] == Group::Unready) {
            values.push((0, requests[i]));
        }
    }
    let (new_ratio, _) = utilization(&values, target).expect("requests were non-zero");
    if within(r.tolerance, new_ratio) || flips(ratio, new_ratio) {
        return Ok(Proposal {
            replicas: current,
            value: percent,
        });
    }
    let replicas = ceil_replicas(new_ratio * values.len() as f64);
    if against(new_ratio, replicas, current) {
        return Ok(Proposal {
            replicas: current,
            value: percent,
        });
    }
    Ok(Proposal {
        replicas,
        value: percent,
    })
}

/// A per-pod average against a plain target: `Resource` with `AverageValue` and `Pods`
/// metrics (`calcPlainMetricReplicas`). `resource` is `Some(Cpu)` for CPU, whose young pods'
/// samples are held back as for utilization.
///
/// # Errors
/// No pods, or no sample of a ready pod.
pub fn plain_average(
    now: f64,
    current: i32,
    target: i64,
    resource: Option<Resource>,
    pods: &[Pod],
    samples: &Samples,
    r: &Readiness,
) -> Result<Proposal, MetricError> {
    if pods.is_empty() {
        return Err(MetricError("no pods returned by selector".into()));
    }
    let cpu = resource == Some(Resource::Cpu);
    let groups: Vec<Group> = pods
        .iter()
        .zip(samples.pods.iter().chain(std::iter::repeat(&None)))
        .map(|(p, s)| group(now, p, s.as_ref(), cpu, r))
        .collect();
    let counted = |g: Group| groups.iter().filter(|x| **x == g).count();
    let mut values: Vec<i64> = (0..pods.len())
        .filter(|i| groups[*i] == Group::Ready)
        .filter_map(|i| samples.pods[i].map(|s| s.value))
        .chain(samples.unknown.iter().copied())
        .collect();
    if values.is_empty() {
        return Err(MetricError(
            "did not receive metrics for targeted pods (pods might be unready)".into(),
        ));
    }
    let average = |v: &[i64]| v.iter().sum::<i64>() / v.len() as i64;
    let usage = average(&values);
    let ratio = usage as f64 / target as f64;
    let up_with_unready = counted(Group::Unready) > 0 && ratio > 1.0;
    let missing = counted(Group::Missing);
    if !up_with_unready && missing == 0 {
        let replicas = if within(r.tolerance, ratio) {
            current
        } else {
            ceil_replicas(ratio * counted(Group::Ready) as f64)
        };
        return Ok(Proposal {
            replicas,
            value: usage,
        });
    }
    for _ in 0..missing {
        if ratio < 1.0 {
            values.push(target);
        } else if ratio > 1.0 {
            values.push(0);
        }
    }
    if up_with_unready {
        values.extend(std::iter::repeat_n(0, counted(Group::Unready)));
    }
    let new_ratio = average(&values) as f64 / target as f64;
    if within(r.tolerance, new_ratio) || flips(ratio, new_ratio) {
        return Ok(Proposal {
            replicas: current,
            value: usage,
        });
    }
    let replicas = ceil_replicas(new_ratio * values.len() as f64);
    let replicas = if against(new_ratio, replicas, current) {
        current
    } else {
        replicas
    };
    Ok(Proposal {
        replicas,
        value: usage,
    })
}

/// Pods that count for an External `Value` target: running and ready.
#[must_use]
pub fn ready_running(pods: &[Pod]) -> i64 {
    pods.iter()
        .filter(|p| p.phase == Phase::Running && p.ready)
        .count() as i64
}

/// An `External` metric with a `Value` target: `GetExternalMetricReplicas`, on the sum of the
/// series the selector returns.
///
/// # Errors
/// No pods to count (the controller's error when the lister returns none).
pub fn external_value(
    current: i32,
    usage: i64,
    target: i64,
    pods: &[Pod],
    r: &Readiness,
) -> Result<Proposal, MetricError> {
    let ratio = usage as f64 / target as f64;
    let replicas = if current == 0 {
        ceil_replicas(ratio)
    } else if within(r.tolerance, ratio) {
        current
    } else {
        if pods.is_empty() {
            return Err(MetricError("no pods returned by selector".into()));
        }
        ceil_replicas(ratio * ready_running(pods) as f64)
    };
    Ok(Proposal {
        replicas,
        value: usage,
    })
}

/// An `External` metric with an `AverageValue` target: `GetExternalPerPodMetricReplicas`.
/// `replicas` is the HPA's `status.replicas` (pods the scale target has).
#[must_use]
pub fn external_average(replicas: i32, usage: i64, target: i64, r: &Readiness) -> Proposal {
    let ratio = usage as f64 / (target as f64 * f64::from(replicas));
    let proposed = if within(r.tolerance, ratio) {
        replicas
    } else {
        ceil_replicas(usage as f64 / target as f64)
    };
    Proposal {
        replicas: proposed,
        value: (usage as f64 / f64::from(replicas)).ceil() as i64,
    }
}
