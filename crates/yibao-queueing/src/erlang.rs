//! Stationary queueing formulas for one category's windows: Erlang B, Erlang C (M/M/n, nobody
//! leaves) and Erlang A (M/M/n+M, waiting customers leave after an exponential patience).
//!
//! Times are in minutes, rates per minute. Everything is computed without factorials or powers
//! so that loads of hundreds of Erlangs stay finite: Erlang B by its recursion, Erlang A's queue
//! part as a series summed with a running scale (log-sum-exp), and the Erlang A waiting-time
//! distribution by uniformization of the tagged customer's position in the queue.

use serde::{Deserialize, Serialize};

/// "`share` of the customers called within `within_min` minutes", e.g. 90% within 5 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServiceTarget {
    /// Minutes.
    pub within_min: f64,
    /// In (0, 1).
    pub share: f64,
}

impl Default for ServiceTarget {
    fn default() -> Self {
        ServiceTarget {
            within_min: 5.0,
            share: 0.9,
        }
    }
}

/// Erlang B: the blocking probability of `servers` servers offered `load` Erlangs (M/M/n/n),
/// by the recursion B(k) = a·B(k−1) / (k + a·B(k−1)), which never overflows.
pub fn erlang_b(servers: u32, load: f64) -> f64 {
    let mut blocking = 1.0;
    for k in 1..=servers {
        let carried = load * blocking;
        blocking = carried / (f64::from(k) + carried);
    }
    blocking
}

/// M/M/n without abandonment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    /// Arrivals per minute.
    pub arrival_rate: f64,
    /// Mean handling time, minutes.
    pub mean_service_min: f64,
    pub servers: u32,
}

impl ErlangC {
    pub fn new(arrival_rate: f64, mean_service_min: f64, servers: u32) -> ErlangC {
        ErlangC {
            arrival_rate,
            mean_service_min,
            servers,
        }
    }

    /// Offered load a = λ·E[S], Erlangs.
    pub fn load(&self) -> f64 {
        self.arrival_rate * self.mean_service_min
    }

    /// Whether the queue is stable (a < n); an unstable queue grows without bound.
    pub fn is_stable(&self) -> bool {
        self.load() < f64::from(self.servers)
    }

    /// Probability that an arrival waits (all servers busy): C(n, a) = n·B / (n − a(1 − B)).
    pub fn p_wait(&self) -> f64 {
        let load = self.load();
        if load <= 0.0 {
            return 0.0;
        }
        if !self.is_stable() {
            return 1.0;
        }
        let n = f64::from(self.servers);
        let blocking = erlang_b(self.servers, load);
        n * blocking / (n - load * (1.0 - blocking))
    }

    /// P(W ≤ t) = 1 − C·e^{−(nμ − λ)t}; 0 when unstable.
    pub fn p_wait_within(&self, minutes: f64) -> f64 {
        if self.load() <= 0.0 {
            return 1.0;
        }
        if !self.is_stable() {
            return 0.0;
        }
        let drain = f64::from(self.servers) / self.mean_service_min - self.arrival_rate;
        1.0 - self.p_wait() * (-drain * minutes.max(0.0)).exp()
    }

    /// E[W] = C / (nμ − λ), minutes; infinite when unstable.
    pub fn mean_wait(&self) -> f64 {
        if self.load() <= 0.0 {
            return 0.0;
        }
        if !self.is_stable() {
            return f64::INFINITY;
        }
        let drain = f64::from(self.servers) / self.mean_service_min - self.arrival_rate;
        self.p_wait() / drain
    }
}

/// The fewest servers for which Erlang C meets `target` (at least 1 when anyone arrives).
pub fn erlang_c_servers(arrival_rate: f64, mean_service_min: f64, target: ServiceTarget) -> u32 {
    if arrival_rate <= 0.0 {
        return 0;
    }
    let load = arrival_rate * mean_service_min;
    let mut servers = (load.floor() as u32).max(1);
    loop {
        let queue = ErlangC::new(arrival_rate, mean_service_min, servers);
        if queue.p_wait_within(target.within_min) >= target.share {
            return servers;
        }
        servers += 1;
    }
}

/// M/M/n+M: Erlang A, waiting customers abandon after an exponential patience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    pub arrival_rate: f64,
    pub mean_service_min: f64,
    /// Mean patience, minutes (θ = 1 / mean patience).
    pub mean_patience_min: f64,
    pub servers: u32,
}

/// The stationary measures of an Erlang A queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErlangAMeasures {
    /// P(an arrival finds all servers busy).
    pub p_wait: f64,
    /// P(an arrival abandons).
    pub p_abandon: f64,
    /// E[time in queue] over all arrivals (abandoning ones until they leave), minutes.
    pub mean_wait: f64,
    /// E[number waiting].
    pub mean_queue: f64,
}

/// The queue states of an Erlang A system, relative to π_n (the state "all busy, none
/// waiting"), with the queue terms q_j = Π_{i=1..j} λ / (nμ + iθ) kept for the waiting-time
/// distribution.
struct QueueStates {
    /// ln Σ_{k=0..n} π_k / π_n = −ln B(n, a).
    ln_lower: f64,
    /// ln of the scale that the queue terms below are divided by.
    ln_scale: f64,
    /// q_j / e^{ln_scale} for j = 0.. (q_0 = 1), until the tail is negligible.
    terms: Vec<f64>,
}

impl QueueStates {
    /// ln Σ_k π_k / π_n: the lower part already holds state n, so the queue adds j ≥ 1.
    fn ln_total(&self) -> f64 {
        let queue: f64 = self.terms[1..].iter().sum();
        if queue > 0.0 {
            log_add(self.ln_lower, queue.ln() + self.ln_scale)
        } else {
            self.ln_lower
        }
    }
}

fn log_add(a: f64, b: f64) -> f64 {
    if a == f64::INFINITY || b == f64::INFINITY {
        return f64::INFINITY;
    }
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let high = a.max(b);
    high + ((a - high).exp() + (b - high).exp()).ln()
}

impl ErlangA {
    pub fn new(
        arrival_rate: f64,
        mean_service_min: f64,
        mean_patience_min: f64,
        servers: u32,
    ) -> ErlangA {
        ErlangA {
            arrival_rate,
            mean_service_min,
            mean_patience_min,
            servers,
        }
    }

    fn theta(&self) -> f64 {
        1.0 / self.mean_patience_min
    }

    fn states(&self) -> QueueStates {
        let load = self.arrival_rate * self.mean_service_min;
        let blocking = erlang_b(self.servers, load);
        let ln_lower = if blocking > 0.0 {
            -blocking.ln()
        } else {
            f64::INFINITY
        };
        let drain = f64::from(self.servers) / self.mean_service_min;
        let theta = self.theta();
        // Terms rise while λ > nμ + jθ and fall afterwards; stop once past the peak and
        // negligible against the running sum.
        let peak = ((self.arrival_rate - drain) / theta).max(0.0);
        let mut ln_scale = 0.0;
        let mut terms = vec![1.0];
        let mut sum = 1.0;
        let mut ln_term = 0.0;
        let mut j = 0.0;
        loop {
            j += 1.0;
            ln_term += (self.arrival_rate / (drain + j * theta)).ln();
            if ln_term > ln_scale + 600.0 {
                // Rescale so the stored terms stay finite.
                let shift = ln_term - ln_scale;
                for term in &mut terms {
                    *term *= (-shift).exp();
                }
                sum *= (-shift).exp();
                ln_scale = ln_term;
            }
            let term = (ln_term - ln_scale).exp();
            terms.push(term);
            sum += term;
            if j > peak && term < sum * 1e-16 {
                break;
            }
        }
        QueueStates {
            ln_lower,
            ln_scale,
            terms,
        }
    }

    /// P(wait), P(abandon), mean wait and mean queue (Garnett, Mandelbaum & Reiman 2002).
    pub fn measures(&self) -> ErlangAMeasures {
        if self.arrival_rate <= 0.0 {
            return ErlangAMeasures {
                p_wait: 0.0,
                p_abandon: 0.0,
                mean_wait: 0.0,
                mean_queue: 0.0,
            };
        }
        self.measures_of(&self.states())
    }

    /// The measures and P(served and W ≤ `minutes`) from one pass over the states.
    pub fn measures_and_served_within(&self, minutes: f64) -> (ErlangAMeasures, f64) {
        if self.arrival_rate <= 0.0 {
            return (self.measures(), 1.0);
        }
        let states = self.states();
        (
            self.measures_of(&states),
            self.served_within_of(&states, minutes),
        )
    }

    fn measures_of(&self, states: &QueueStates) -> ErlangAMeasures {
        let ln_total = states.ln_total();
        let queue: f64 = states.terms.iter().sum();
        let weighted: f64 = states
            .terms
            .iter()
            .enumerate()
            .map(|(j, term)| j as f64 * term)
            .sum();
        let p_wait = (queue.ln() + states.ln_scale - ln_total).exp();
        let mean_queue = if weighted > 0.0 {
            (weighted.ln() + states.ln_scale - ln_total).exp()
        } else {
            0.0
        };
        ErlangAMeasures {
            p_wait,
            p_abandon: self.theta() * mean_queue / self.arrival_rate,
            mean_wait: mean_queue / self.arrival_rate,
            mean_queue,
        }
    }

    /// P(served and waited at most `minutes`) over all arrivals: the share "called within t"
    /// when those who leave count as not called.
    pub fn p_served_within(&self, minutes: f64) -> f64 {
        if self.arrival_rate <= 0.0 {
            return 1.0;
        }
        self.served_within_of(&self.states(), minutes)
    }

    fn served_within_of(&self, states: &QueueStates, minutes: f64) -> f64 {
        let ln_total = states.ln_total();
        let free = 1.0 - (states.terms.iter().sum::<f64>().ln() + states.ln_scale - ln_total).exp();
        // Arrival sees j waiting ahead with probability ∝ terms[j] (PASTA).
        let arriving: Vec<f64> = states
            .terms
            .iter()
            .map(|term| (term.ln() + states.ln_scale - ln_total).exp())
            .collect();
        free + self.served_by(minutes, &arriving)
    }

    /// Σ_j arriving[j] · P(a customer with j ahead reaches a server within `minutes` before
    /// its own patience runs out), by uniformization: while i are ahead, the head moves at rate
    /// nμ + iθ (a service ends or one ahead leaves) and the customer leaves at rate θ.
    fn served_by(&self, minutes: f64, arriving: &[f64]) -> f64 {
        let theta = self.theta();
        let drain = f64::from(self.servers) / self.mean_service_min;
        // Drop the negligible tail of arrival states.
        let mut last = arriving.len();
        while last > 1 && arriving[last - 1] < 1e-13 {
            last -= 1;
        }
        let uniform = drain + (last as f64 + 1.0) * theta;
        let mean_jumps = uniform * minutes.max(0.0);
        if mean_jumps == 0.0 {
            return 0.0;
        }
        let max_jumps = (mean_jumps + 10.0 * mean_jumps.sqrt() + 30.0).ceil() as usize;
        // From i ahead, service needs i + 1 jumps: states beyond the last jump never make it.
        let arriving = &arriving[..last.min(max_jumps)];
        let ahead_max = arriving.len();
        // served[i] = P(served within k jumps | i ahead), over k.
        let mut served = vec![0.0; ahead_max];
        let mut next = vec![0.0; ahead_max];
        let mut ln_poisson = -mean_jumps; // ln P(K = 0)
        let mut total = 0.0;
        for jumps in 0..=max_jumps {
            if jumps > 0 {
                // After k jumps only i < k can have been served.
                for i in 0..ahead_max.min(jumps) {
                    let down = (drain + i as f64 * theta) / uniform;
                    let stay = 1.0 - (drain + (i as f64 + 1.0) * theta) / uniform;
                    let after = if i == 0 { 1.0 } else { served[i - 1] };
                    next[i] = down * after + stay * served[i];
                }
                std::mem::swap(&mut served, &mut next);
                ln_poisson += mean_jumps.ln() - (jumps as f64).ln();
            }
            let weight = ln_poisson.exp();
            if weight > 0.0 {
                let reach = ahead_max.min(jumps);
                let mixed: f64 = arriving[..reach]
                    .iter()
                    .zip(&served[..reach])
                    .map(|(p, s)| p * s)
                    .sum();
                total += weight * mixed;
            }
        }
        total
    }

    /// P(W ≤ t | served).
    pub fn p_wait_within_given_served(&self, minutes: f64) -> f64 {
        let served = 1.0 - self.measures().p_abandon;
        if served <= 0.0 {
            return 0.0;
        }
        (self.p_served_within(minutes) / served).min(1.0)
    }
}

/// The fewest servers for which Erlang A calls `target.share` of all arrivals within
/// `target.within_min` (those who leave count as not called).
pub fn erlang_a_servers(
    arrival_rate: f64,
    mean_service_min: f64,
    mean_patience_min: f64,
    target: ServiceTarget,
) -> u32 {
    if arrival_rate <= 0.0 {
        return 0;
    }
    let meets = |servers: u32| {
        ErlangA::new(arrival_rate, mean_service_min, mean_patience_min, servers)
            .p_served_within(target.within_min)
            >= target.share
    };
    // Service level rises with n. Start near the load (the answer is usually within a few
    // square roots of it), step outwards to bracket, then bisect.
    let load = arrival_rate * mean_service_min;
    let step = (load.sqrt().ceil() as u32).max(1);
    let mut high = (load.ceil() as u32).max(1);
    let mut low = 0;
    if meets(high) {
        while high > 1 {
            let lower = high.saturating_sub(step).max(1);
            if meets(lower) {
                high = lower;
                if lower == 1 {
                    break;
                }
            } else {
                low = lower;
                break;
            }
        }
    } else {
        low = high;
        high += step;
        while !meets(high) {
            low = high;
            high += step;
        }
    }
    while high - low > 1 {
        let mid = (low + high) / 2;
        if meets(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}

#[cfg(test)]
mod tests;
