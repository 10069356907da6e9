//! The HorizontalPodAutoscaler controller: one sync of Kubernetes' `reconcileAutoscaler`
//! (v1.33, `pkg/controller/podautoscaler/horizontal.go`), written anew from its behaviour.
//!
//! A sync asks every metric for a proposal ([`super::replicas`]), takes the highest, refuses
//! to scale down while any metric is unavailable, then applies `behavior`: the stabilization
//! windows over the recommendations of earlier syncs (scale-down takes the highest of its
//! window, scale-up the lowest of its), then the rate policies over the scale events within
//! each policy's period, chosen by `selectPolicy`, then `minReplicas`/`maxReplicas`. The
//! controller keeps recommendations and events in memory as Kubernetes does, including its
//! habit of reusing one outdated slot per sync, so a long run holds a bounded history.

use super::replicas::{self, MetricError, Pod, Proposal, Readiness, Resource, Samples};

/// `spec.behavior`, complete (the API server fills in what is not given).
#[derive(Clone, Debug, PartialEq)]
pub struct Behavior {
    pub scale_up: Rules,
    pub scale_down: Rules,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub stabilization_window: i64,
    pub select: Select,
    pub policies: Vec<Policy>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    Max,
    Min,
    Disabled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub kind: PolicyKind,
    pub value: i32,
    pub period: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    Pods,
    Percent,
}

impl Rules {
    /// Kubernetes' default for `scaleUp`: no window, 4 pods or 100 % per 15 s, the larger.
    #[must_use]
    pub fn default_up() -> Rules {
        Rules {
            stabilization_window: 0,
            select: Select::Max,
            policies: vec![
                Policy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period: 15,
                },
                Policy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period: 15,
                },
            ],
        }
    }

    /// Kubernetes' default for `scaleDown`: a 300 s window, 100 % per 15 s.
    #[must_use]
    pub fn default_down() -> Rules {
        Rules {
            stabilization_window: 300,
            select: Select::Max,
            policies: vec![Policy {
                kind: PolicyKind::Percent,
                value: 100,
                period: 15,
            }],
        }
    }

    fn longest_period(&self) -> i64 {
        self.policies.iter().map(|p| p.period).max().unwrap_or(0)
    }
}

/// One entry of `spec.metrics`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSpec {
    /// What the trace calls it: `cpu`, `memory`, a preset, an external metric's name.
    pub name: String,
    pub source: Source,
    pub target: Target,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Resource(Resource),
    Pods,
    External,
}

/// A target; values in milli units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Utilization(i32),
    AverageValue(i64),
    Value(i64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub metrics: Vec<MetricSpec>,
    pub behavior: Behavior,
}

/// What a metric reads at a sync: per-pod samples, or the total an External metric returns;
/// `None` when the metric is unavailable.
#[derive(Clone, Debug)]
pub enum Reading {
    PerPod(Samples),
    Total(Option<i64>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recommendation {
    pub replicas: i32,
    pub time: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleEvent {
    pub change: i32,
    pub time: f64,
    pub outdated: bool,
}

/// The result of one sync.
#[derive(Clone, Debug, PartialEq)]
pub struct Sync {
    /// The replica count the controller sets (equal to the current one: no scaling).
    pub replicas: i32,
    /// Per metric, what it proposed or why it could not.
    pub proposals: Vec<Result<Proposal, MetricError>>,
    /// The metric whose proposal was the highest (index into the spec's metrics).
    pub deciding: Option<usize>,
}

/// The controller's memory for one HPA.
#[derive(Clone, Debug, Default)]
pub struct Controller {
    pub recommendations: Vec<Recommendation>,
    pub up_events: Vec<ScaleEvent>,
    pub down_events: Vec<ScaleEvent>,
}

impl Controller {
    /// One sync at `now`: `current` is the scale target's `spec.replicas`, `pods` what the
    /// pod lister returns, `readings` one per metric of the spec.
    pub fn sync(
        &mut self,
        spec: &Spec,
        now: f64,
        current: i32,
        pods: &[Pod],
        readings: &[Reading],
        readiness: &Readiness,
    ) -> Sync {
        let mut out = Sync {
            replicas: current,
            proposals: Vec::new(),
            deciding: None,
        };
        if current == 0 && spec.min_replicas != 0 {
            // Scaling is off while the target is scaled to zero by hand.
            return out;
        }
        let desired = if current > spec.max_replicas {
            spec.max_replicas
        } else if current < spec.min_replicas {
            spec.min_replicas
        } else {
            let mut best = 0;
            let mut invalid = 0;
            for (i, (metric, reading)) in spec.metrics.iter().zip(readings).enumerate() {
                let proposal = propose(metric, reading, now, current, pods, readiness);
                match &proposal {
                    Ok(p) if p.replicas > best => {
                        best = p.replicas;
                        out.deciding = Some(i);
                    }
                    Ok(_) => {}
                    Err(_) => invalid += 1,
                }
                out.proposals.push(proposal);
            }
            // Unavailable metrics may hide a need: never scale down while one is missing.
            if invalid >= spec.metrics.len() || (invalid > 0 && best < current) {
                return out;
            }
            self.normalize(spec, now, current, best)
        };
        if desired != current {
            self.store_event(&spec.behavior, now, current, desired);
        }
        out.replicas = desired;
        out
    }

    /// `normalizeDesiredReplicasWithBehaviors`: stabilize, then limit the rate.
    pub fn normalize(&mut self, spec: &Spec, now: f64, current: i32, desired: i32) -> i32 {
        let stabilized = self.stabilize(&spec.behavior, now, current, desired);
        self.limit_rate(spec, now, current, stabilized)
    }

    /// `stabilizeRecommendationWithBehaviors`: bounds the recommendation by the lowest of
    /// the scale-up window and the highest of the scale-down window, and records `desired`.
    pub fn stabilize(&mut self, behavior: &Behavior, now: f64, current: i32, desired: i32) -> i32 {
        let up_cutoff = now - behavior.scale_up.stabilization_window as f64;
        let down_cutoff = now - behavior.scale_down.stabilization_window as f64;
        let mut up = desired;
        let mut down = desired;
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if rec.time > up_cutoff {
                up = up.min(rec.replicas);
            }
            if rec.time > down_cutoff {
                down = down.max(rec.replicas);
            }
            if rec.time < up_cutoff && rec.time < down_cutoff {
                old = Some(i);
            }
        }
        let recommendation = current.max(up).min(down);
        let entry = Recommendation {
            replicas: desired,
            time: now,
        };
        match old {
            Some(i) => self.recommendations[i] = entry,
            None => self.recommendations.push(entry),
        }
        recommendation
    }

    /// `convertDesiredReplicasWithBehaviorRate`: the rate policies and the bounds.
    #[must_use]
    pub fn limit_rate(&self, spec: &Spec, now: f64, current: i32, desired: i32) -> i32 {
        if desired > current {
            let limit = scale_up_limit(
                now,
                current,
                &self.up_events,
                &self.down_events,
                &spec.behavior.scale_up,
            )
            .max(current);
            desired.min(spec.max_replicas.min(limit))
        } else if desired < current {
            let limit = scale_down_limit(
                now,
                current,
                &self.up_events,
                &self.down_events,
                &spec.behavior.scale_down,
            )
            .min(current);
            desired.max(spec.min_replicas.max(limit))
        } else {
            desired
        }
    }

    /// `storeScaleEvent`: one slot outdated beyond the longest policy period is reused.
    pub fn store_event(&mut self, behavior: &Behavior, now: f64, previous: i32, new: i32) {
        let (events, rules, change) = if new > previous {
            (&mut self.up_events, &behavior.scale_up, new - previous)
        } else {
            (&mut self.down_events, &behavior.scale_down, previous - new)
        };
        let cutoff = now - rules.longest_period() as f64;
        let mut old = None;
        for (i, e) in events.iter_mut().enumerate() {
            if e.time < cutoff {
                e.outdated = true;
            }
            if e.outdated {
                old = Some(i);
            }
        }
        let event = ScaleEvent {
            change,
            time: now,
            outdated: false,
        };
        match old {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

fn propose(
    metric: &MetricSpec,
    reading: &Reading,
    now: f64,
    current: i32,
    pods: &[Pod],
    readiness: &Readiness,
) -> Result<Proposal, MetricError> {
    let unavailable = || MetricError(format!("no value of {} at this time", metric.name));
    match (metric.source, metric.target, reading) {
        (Source::Resource(r), Target::Utilization(t), Reading::PerPod(s)) => {
            replicas::resource_utilization(now, current, t, r, pods, s, readiness)
        }
        (Source::Resource(r), Target::AverageValue(t), Reading::PerPod(s)) => {
            replicas::plain_average(now, current, t, Some(r), pods, s, readiness)
        }
        (Source::Pods, Target::AverageValue(t), Reading::PerPod(s)) => {
            replicas::plain_average(now, current, t, None, pods, s, readiness)
        }
        (Source::External, Target::Value(t), Reading::Total(Some(v))) => {
            replicas::external_value(current, *v, t, pods, readiness)
        }
        (Source::External, Target::AverageValue(t), Reading::Total(Some(v))) => {
            // The HPA's status.replicas: the pods the target has now.
            let have = i32::try_from(pods.len()).unwrap_or(i32::MAX);
            Ok(replicas::external_average(have, *v, t, readiness))
        }
        _ => Err(unavailable()),
    }
}

/// The replicas added (or removed) by events within the last `period` seconds.
#[must_use]
pub fn change_within(now: f64, period: i64, events: &[ScaleEvent]) -> i32 {
    let cutoff = now - period as f64;
    events
        .iter()
        .filter(|e| e.time > cutoff)
        .map(|e| e.change)
        .sum()
}

/// `calculateScaleUpLimitWithScalingRules`.
#[must_use]
pub fn scale_up_limit(
    now: f64,
    current: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &Rules,
) -> i32 {
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match rules.select {
        Select::Disabled => return current,
        Select::Min => (i32::MAX, std::cmp::min),
        Select::Max => (i32::MIN, std::cmp::max),
    };
    for p in &rules.policies {
        let start = current - change_within(now, p.period, up) + change_within(now, p.period, down);
        let proposed = match p.kind {
            PolicyKind::Pods => start.saturating_add(p.value),
            PolicyKind::Percent => {
                let v = (f64::from(start) * (1.0 + f64::from(p.value) / 100.0)).ceil();
                v.min(f64::from(i32::MAX)) as i32
            }
        };
        result = pick(result, proposed);
    }
    result
}

/// `calculateScaleDownLimitWithBehaviors`.
#[must_use]
pub fn scale_down_limit(
    now: f64,
    current: i32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &Rules,
) -> i32 {
    let (mut result, pick): (i32, fn(i32, i32) -> i32) = match rules.select {
        Select::Disabled => return current,
        Select::Min => (i32::MIN, std::cmp::max),
        Select::Max => (i32::MAX, std::cmp::min),
    };
    for p in &rules.policies {
        let start = current - change_within(now, p.period, up) + change_within(now, p.period, down);
        let proposed = match p.kind {
            PolicyKind::Pods => start - p.value,
            // Go converts towards zero.
            PolicyKind::Percent => (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32,
        };
        result = pick(result, proposed);
    }
    result
}
