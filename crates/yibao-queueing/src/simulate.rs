//! A discrete-event simulator of a hall's day: tickets arrive, wait in one FIFO queue per
//! category (green-channel tickets first), and are called by the windows whose category set for
//! the current slot contains their category; a waiting ticket leaves when its patience runs out.
//!
//! The simulation has no randomness of its own: it replays the tickets it is handed (sampled
//! with a seed by `generate` or taken from history), so one input always gives one result.
//! A window whose category set changes at a slot boundary finishes the ticket in hand first.
//! After closing time no one new arrives and the windows keep their last slot's sets until the
//! queues are empty.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::erlang::ServiceTarget;

/// A set of categories as a bit set (at most 32 categories per hall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CategorySet(pub u32);

/// The largest number of categories a hall may have.
pub const MAX_CATEGORIES: usize = 32;

impl CategorySet {
    pub const EMPTY: CategorySet = CategorySet(0);

    pub fn single(category: usize) -> CategorySet {
        CategorySet(1 << category)
    }

    pub fn all(count: usize) -> CategorySet {
        CategorySet(if count >= 32 {
            u32::MAX
        } else {
            (1u32 << count) - 1
        })
    }

    pub fn contains(self, category: usize) -> bool {
        category < MAX_CATEGORIES && self.0 & (1 << category) != 0
    }

    pub fn with(self, category: usize) -> CategorySet {
        CategorySet(self.0 | (1 << category))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..MAX_CATEGORIES).filter(move |&c| self.contains(c))
    }
}

/// One ticket to replay. Times are minutes since opening.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub arrival_min: f64,
    pub category: usize,
    /// Handling time once called, minutes.
    pub service_min: f64,
    /// How long this person would wait before leaving, minutes (∞: never leaves).
    pub patience_min: f64,
    /// Green channel (绿色通道): called before normal tickets of the same category.
    pub priority: bool,
}

/// Which categories each window serves, slot by slot. A static layout has one slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Length of a slot, minutes.
    pub slot_min: f64,
    /// `slots[s][w]`: the categories window `w` serves during slot `s`; the last slot's sets
    /// hold until the queues are empty.
    pub slots: Vec<Vec<CategorySet>>,
}

impl Layout {
    /// The same sets all day.
    pub fn fixed(sets: Vec<CategorySet>) -> Layout {
        Layout {
            slot_min: f64::INFINITY,
            slots: vec![sets],
        }
    }

    pub fn windows(&self) -> usize {
        self.slots.first().map_or(0, Vec::len)
    }
}

/// Waiting-time figures of a group of tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WaitSummary {
    pub tickets: usize,
    pub served: usize,
    pub abandoned: usize,
    /// Mean wait of the called tickets, minutes.
    pub mean_wait_min: f64,
    /// 90th percentile (nearest rank) of the called tickets' waits, minutes.
    pub p90_wait_min: f64,
    pub max_wait_min: f64,
    /// Mean time in the queue over all tickets, those who left counted until they left.
    pub mean_queue_time_min: f64,
    pub abandon_share: f64,
    /// Share of all tickets called within the target time.
    pub within_target_share: f64,
}

impl WaitSummary {
    fn from_outcomes(outcomes: &[(f64, bool)], target_min: f64) -> WaitSummary {
        let mut waits: Vec<f64> = outcomes
            .iter()
            .filter(|(_, served)| *served)
            .map(|(wait, _)| *wait)
            .collect();
        waits.sort_by(f64::total_cmp);
        let tickets = outcomes.len();
        let served = waits.len();
        let mean = |values: &[f64]| {
            if values.is_empty() {
                0.0
            } else {
                values.iter().sum::<f64>() / values.len() as f64
            }
        };
        let all: Vec<f64> = outcomes.iter().map(|(wait, _)| *wait).collect();
        let within = waits.iter().filter(|&&w| w <= target_min).count();
        WaitSummary {
            tickets,
            served,
            abandoned: tickets - served,
            mean_wait_min: mean(&waits),
            p90_wait_min: percentile(&waits, 0.9),
            max_wait_min: waits.last().copied().unwrap_or(0.0),
            mean_queue_time_min: mean(&all),
            abandon_share: if tickets == 0 {
                0.0
            } else {
                (tickets - served) as f64 / tickets as f64
            },
            within_target_share: if tickets == 0 {
                1.0
            } else {
                within as f64 / tickets as f64
            },
        }
    }
}

/// Nearest-rank percentile of sorted values (0 for none).
pub fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The outcome of one simulated day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    pub overall: WaitSummary,
    pub per_category: Vec<WaitSummary>,
    /// Mean wait of the called tickets by the slot they arrived in (chart series), minutes.
    pub mean_wait_by_slot: Vec<f64>,
    /// Tickets waiting at the start of each slot, per category (`[slot][category]`).
    pub waiting_at_slot_start: Vec<Vec<usize>>,
    /// When the last ticket was finished, minutes since opening.
    pub last_finish_min: f64,
    /// Share of the open day each window spent serving.
    pub window_busy_share: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum EventKind {
    /// Window finished its ticket.
    Finish(usize),
    /// Slot boundary: sets change.
    Slot(usize),
    Arrival(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Event {
    at: f64,
    /// Tie-break: finishes, then slot changes, then arrivals, each in creation order.
    rank: u8,
    sequence: usize,
    kind: EventKind,
}

impl Eq for Event {}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for the earliest event first.
        other
            .at
            .total_cmp(&self.at)
            .then(other.rank.cmp(&self.rank))
            .then(other.sequence.cmp(&self.sequence))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What to measure against and how long the day is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimulationConfig {
    pub categories: usize,
    /// Length of the open day, minutes (for the slot series and busy shares).
    pub day_min: f64,
    /// Slot length of the reported series, minutes.
    pub series_slot_min: f64,
    pub target: ServiceTarget,
}

/// What happened to one ticket in a simulated day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TicketOutcome {
    /// Minutes from arrival until called, or until the person left.
    pub wait_min: f64,
    /// Called by a window (false: left before being called).
    pub called: bool,
}

/// Replays `tickets` (any order) under `layout`.
pub fn simulate(
    tickets: &[Ticket],
    layout: &Layout,
    config: &SimulationConfig,
) -> SimulationReport {
    simulate_with_outcomes(tickets, layout, config).0
}

/// Replays `tickets` like [`simulate`] and also returns each ticket's outcome, in the order of
/// `tickets`: what figures pooled over several days (a percentile of all their waits) need.
pub fn simulate_with_outcomes(
    tickets: &[Ticket],
    layout: &Layout,
    config: &SimulationConfig,
) -> (SimulationReport, Vec<TicketOutcome>) {
    let windows = layout.windows();
    let categories = config.categories;
    let mut order: Vec<usize> = (0..tickets.len()).collect();
    order.sort_by(|&a, &b| {
        tickets[a]
            .arrival_min
            .total_cmp(&tickets[b].arrival_min)
            .then(a.cmp(&b))
    });
    let mut events = BinaryHeap::new();
    let mut sequence = 0;
    let mut push = |events: &mut BinaryHeap<Event>, at: f64, kind: EventKind| {
        let rank = match kind {
            EventKind::Finish(_) => 0,
            EventKind::Slot(_) => 1,
            EventKind::Arrival(_) => 2,
        };
        sequence += 1;
        events.push(Event {
            at,
            rank,
            sequence,
            kind,
        });
    };
    for slot in 1..layout.slots.len() {
        push(
            &mut events,
            slot as f64 * layout.slot_min,
            EventKind::Slot(slot),
        );
    }
    // Arrivals are fed one at a time in time order to keep the heap small.
    let mut next_arrival = 0;
    if let Some(&first) = order.first() {
        push(
            &mut events,
            tickets[first].arrival_min,
            EventKind::Arrival(first),
        );
        next_arrival = 1;
    }

    let mut current_slot = 0;
    let mut busy = vec![false; windows];
    let mut busy_time = vec![0.0; windows];
    // [category][0 = green, 1 = normal]
    let mut queues: Vec<[VecDeque<usize>; 2]> = (0..categories)
        .map(|_| [VecDeque::new(), VecDeque::new()])
        .collect();
    let mut outcome: Vec<(f64, bool)> = vec![(0.0, false); tickets.len()];
    let series_slots = (config.day_min / config.series_slot_min).ceil().max(1.0) as usize;
    let mut waiting_at_slot_start = vec![vec![0; categories]; series_slots];
    let mut next_series_slot = 0;
    let mut last_finish = 0.0f64;

    // Calls the next ticket for an idle window at time `now`, if any.
    let call = |window: usize,
                now: f64,
                slot: usize,
                queues: &mut Vec<[VecDeque<usize>; 2]>,
                outcome: &mut Vec<(f64, bool)>|
     -> Option<usize> {
        let set = layout.slots[slot][window];
        for class in [0, 1] {
            let mut best: Option<usize> = None;
            for category in set.iter().take_while(|&c| c < categories) {
                let queue = &mut queues[category][class];
                // People whose patience ran out have left.
                while let Some(&head) = queue.front() {
                    let ticket = &tickets[head];
                    if ticket.arrival_min + ticket.patience_min < now {
                        outcome[head] = (ticket.patience_min, false);
                        queue.pop_front();
                    } else {
                        break;
                    }
                }
                if let Some(&head) = queue.front() {
                    let older = best.is_none_or(|b| {
                        (tickets[head].arrival_min, head) < (tickets[b].arrival_min, b)
                    });
                    if older {
                        best = Some(category);
                    }
                }
            }
            if let Some(category) = best {
                let head = queues[category][class].pop_front().expect("non-empty");
                outcome[head] = (now - tickets[head].arrival_min, true);
                return Some(head);
            }
        }
        None
    };

    while let Some(event) = events.pop() {
        let now = event.at;
        while next_series_slot < series_slots
            && next_series_slot as f64 * config.series_slot_min <= now
        {
            for (category, queue) in queues.iter().enumerate() {
                waiting_at_slot_start[next_series_slot][category] = queue[0]
                    .iter()
                    .chain(queue[1].iter())
                    .filter(|&&t| tickets[t].arrival_min + tickets[t].patience_min >= now)
                    .count();
            }
            next_series_slot += 1;
        }
        let mut idle_check: Vec<usize> = Vec::new();
        match event.kind {
            EventKind::Arrival(index) => {
                let ticket = &tickets[index];
                let set = &layout.slots[current_slot];
                let free = (0..windows).find(|&w| !busy[w] && set[w].contains(ticket.category));
                match free {
                    Some(window) => {
                        outcome[index] = (0.0, true);
                        busy[window] = true;
                        busy_time[window] += ticket.service_min;
                        push(
                            &mut events,
                            now + ticket.service_min,
                            EventKind::Finish(window),
                        );
                    }
                    None => {
                        let class = usize::from(!ticket.priority);
                        queues[ticket.category][class].push_back(index);
                    }
                }
                if next_arrival < order.len() {
                    let next = order[next_arrival];
                    next_arrival += 1;
                    push(
                        &mut events,
                        tickets[next].arrival_min,
                        EventKind::Arrival(next),
                    );
                }
            }
            EventKind::Finish(window) => {
                busy[window] = false;
                last_finish = last_finish.max(now);
                idle_check.push(window);
            }
            EventKind::Slot(slot) => {
                current_slot = slot;
                idle_check.extend((0..windows).filter(|&w| !busy[w]));
            }
        }
        for window in idle_check {
            if let Some(ticket) = call(window, now, current_slot, &mut queues, &mut outcome) {
                busy[window] = true;
                busy_time[window] += tickets[ticket].service_min;
                push(
                    &mut events,
                    now + tickets[ticket].service_min,
                    EventKind::Finish(window),
                );
            }
        }
    }
    // Whoever is still queued (no window ever serves their category) left at patience's end;
    // with endless patience they are counted as left at the last event.
    for queue in &queues {
        for &index in queue[0].iter().chain(queue[1].iter()) {
            let ticket = &tickets[index];
            let waited = ticket
                .patience_min
                .min((last_finish - ticket.arrival_min).max(0.0));
            outcome[index] = (waited, false);
        }
    }

    let target = config.target.within_min;
    let overall = WaitSummary::from_outcomes(&outcome, target);
    let per_category = (0..categories)
        .map(|category| {
            let group: Vec<(f64, bool)> = tickets
                .iter()
                .zip(&outcome)
                .filter(|(t, _)| t.category == category)
                .map(|(_, o)| *o)
                .collect();
            WaitSummary::from_outcomes(&group, target)
        })
        .collect();
    let mut sums = vec![(0.0, 0usize); series_slots];
    for (ticket, (wait, served)) in tickets.iter().zip(&outcome) {
        if *served {
            let slot = ((ticket.arrival_min / config.series_slot_min)
                .floor()
                .max(0.0) as usize)
                .min(series_slots - 1);
            sums[slot].0 += wait;
            sums[slot].1 += 1;
        }
    }
    let day = config.day_min.max(last_finish).max(1e-9);
    let report = SimulationReport {
        overall,
        per_category,
        mean_wait_by_slot: sums
            .iter()
            .map(|(sum, count)| {
                if *count == 0 {
                    0.0
                } else {
                    sum / *count as f64
                }
            })
            .collect(),
        waiting_at_slot_start,
        last_finish_min: last_finish,
        window_busy_share: busy_time.iter().map(|b| b / day).collect(),
    };
    let outcomes = outcome
        .into_iter()
        .map(|(wait_min, called)| TicketOutcome { wait_min, called })
        .collect();
    (report, outcomes)
}

#[cfg(test)]
mod tests;
