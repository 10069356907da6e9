//! Flink's reactive mode as the adaptive scheduler runs it: the job uses every slot it gets,
//! up to the maximum parallelism, and every change of its parallelism is a restart.
//!
//! A new TaskManager is taken after the version's waits, the job running on meanwhile:
//! 1.18–1.20 rescale at most once per `scaling-interval.min`; 2.x wait out
//! `executing.cooldown-after-rescaling` after the last rescale, then
//! `executing.resource-stabilization-timeout` (unless the slots reach the maximum parallelism,
//! Flink's "desired resources"), then the next completed checkpoint (or
//! `rescale-trigger.max-delay`). A TaskManager that goes away fails the job's tasks at once:
//! the job waits for its resources to settle (`resource-stabilization-timeout`, 2.x
//! `submission.resource-stabilization-timeout`; reactive mode makes its default 0) and restarts
//! with what is left. Each restart processes nothing for the restart time.

/// The adaptive scheduler's generation of options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// 1.18 – 1.20.
    One,
    /// 2.0 and later.
    Two,
}

/// What the job's configuration (or Flink's defaults) says. Durations in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub version: String,
    pub generation: Generation,
    pub slots_per_task_manager: u32,
    pub max_parallelism: u32,
    /// 1.x `scaling-interval.min`, 2.x `executing.cooldown-after-rescaling`.
    pub cooldown: f64,
    /// 2.x `executing.resource-stabilization-timeout` (0 for 1.x).
    pub executing_stabilization: f64,
    /// The wait for resources after a failure.
    pub submission_stabilization: f64,
    pub checkpoint_interval: Option<f64>,
    /// 2.x: the longest a rescale waits for a checkpoint.
    pub max_trigger_delay: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// More slots: the job rescales up.
    ScaleUp,
    /// A TaskManager went away: its tasks failed.
    ScaleDown,
}

/// One restart: processing stops at `time` and resumes at `resumed`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Restart {
    pub time: f64,
    pub resumed: f64,
    pub from: u32,
    pub to: u32,
    pub cause: Cause,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub settings: Settings,
    restart_time: f64,
    slots: u32,
    /// The running parallelism; the one before the restart while down.
    parallelism: u32,
    down_until: Option<f64>,
    last_rescale: f64,
    /// When the job last started running (checkpoints count from there).
    running_since: f64,
    scale_up_at: Option<f64>,
    pub restarts: Vec<Restart>,
}

impl Job {
    /// A job running since time 0 on `slots` slots.
    #[must_use]
    pub fn new(settings: Settings, restart_time: f64, slots: u32) -> Job {
        let parallelism = slots.min(settings.max_parallelism);
        Job {
            settings,
            restart_time,
            slots,
            parallelism,
            down_until: None,
            last_rescale: f64::NEG_INFINITY,
            running_since: 0.0,
            scale_up_at: None,
            restarts: Vec::new(),
        }
    }

    fn usable(&self) -> u32 {
        self.slots.min(self.settings.max_parallelism)
    }

    /// Whether the job processes records now.
    #[must_use]
    pub fn processing(&self) -> bool {
        self.down_until.is_none()
    }

    /// The parallelism it runs with; 0 while it restarts.
    #[must_use]
    pub fn parallelism(&self) -> u32 {
        if self.processing() {
            self.parallelism
        } else {
            0
        }
    }

    /// The next time the job changes by itself (a restart ends, a rescale fires).
    #[must_use]
    pub fn next_change(&self) -> Option<f64> {
        match (self.down_until, self.scale_up_at) {
            (Some(d), _) => Some(d),
            (None, s) => s,
        }
    }

    /// The registered TaskManagers now offer `slots` slots.
    pub fn slots_changed(&mut self, now: f64, slots: u32) {
        self.slots = slots;
        if self.down_until.is_some() {
            // The restart in progress takes whatever is there when it ends.
            return;
        }
        if self.usable() < self.parallelism {
            let resumed = now + self.settings.submission_stabilization + self.restart_time;
            self.restart(now, resumed, Cause::ScaleDown);
        } else if self.usable() > self.parallelism && self.scale_up_at.is_none() {
            self.scale_up_at = Some(self.scale_up_time(now));
        }
    }

    fn scale_up_time(&self, now: f64) -> f64 {
        let s = &self.settings;
        let after_cooldown = now.max(self.last_rescale + s.cooldown);
        match s.generation {
            Generation::One => after_cooldown,
            Generation::Two => {
                let desired = self.usable() >= s.max_parallelism;
                let ready = if desired {
                    after_cooldown
                } else {
                    after_cooldown + s.executing_stabilization
                };
                match s.checkpoint_interval {
                    Some(interval) => {
                        let n = ((ready - self.running_since) / interval).ceil().max(1.0);
                        let checkpoint = self.running_since + n * interval;
                        let latest = s.max_trigger_delay.map_or(checkpoint, |d| ready + d);
                        checkpoint.min(latest)
                    }
                    None => ready,
                }
            }
        }
    }

    fn restart(&mut self, now: f64, resumed: f64, cause: Cause) {
        self.restarts.push(Restart {
            time: now,
            resumed,
            from: self.parallelism,
            to: 0,
            cause,
        });
        self.down_until = Some(resumed);
        self.scale_up_at = None;
    }

    /// Applies the change due at `now` ([`Job::next_change`]).
    pub fn change(&mut self, now: f64) {
        if let Some(until) = self.down_until {
            if now >= until {
                self.down_until = None;
                self.parallelism = self.usable();
                self.last_rescale = now;
                self.running_since = now;
                if let Some(r) = self.restarts.last_mut() {
                    r.to = self.parallelism;
                }
            }
            return;
        }
        if self.scale_up_at.is_some_and(|at| now >= at) {
            self.scale_up_at = None;
            if self.usable() > self.parallelism {
                self.restart(now, now + self.restart_time, Cause::ScaleUp);
            }
        }
    }
}
