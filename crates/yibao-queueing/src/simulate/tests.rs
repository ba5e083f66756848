//! The simulator on cases with known answers: deterministic single-server queues worked out by
//! hand, long M/M/c and M/M/c+M runs against Erlang C and Erlang A, the green channel, leaving
//! after patience, and a window that changes category at a slot boundary.

use super::*;
use crate::erlang::{ErlangA, ErlangC};
use crate::rng::Rng;

fn config(categories: usize, day_min: f64) -> SimulationConfig {
    SimulationConfig {
        categories,
        day_min,
        series_slot_min: 15.0,
        target: ServiceTarget::default(),
    }
}

fn ticket(arrival_min: f64, category: usize, service_min: f64) -> Ticket {
    Ticket {
        arrival_min,
        category,
        service_min,
        patience_min: f64::INFINITY,
        priority: false,
    }
}

#[test]
fn a_single_window_with_arrivals_every_ten_minutes_and_fifteen_minute_service() {
    // Ticket k arrives at 10k and starts at 15k: it waits 5k minutes (0, 5, …, 45).
    let tickets: Vec<Ticket> = (0..10).map(|k| ticket(10.0 * k as f64, 0, 15.0)).collect();
    let report = simulate(
        &tickets,
        &Layout::fixed(vec![CategorySet::single(0)]),
        &config(1, 100.0),
    );
    assert_eq!(report.overall.served, 10);
    assert_eq!(report.overall.mean_wait_min, 22.5);
    assert_eq!(report.overall.max_wait_min, 45.0);
    // Nearest rank: the 9th of 10 sorted waits.
    assert_eq!(report.overall.p90_wait_min, 40.0);
    assert_eq!(report.last_finish_min, 150.0);
    // Waits ≤ 5 minutes: 0 and 5.
    assert_eq!(report.overall.within_target_share, 0.2);
    // Fast service: nobody waits.
    let quick: Vec<Ticket> = (0..10).map(|k| ticket(10.0 * k as f64, 0, 9.0)).collect();
    let report = simulate(
        &quick,
        &Layout::fixed(vec![CategorySet::single(0)]),
        &config(1, 100.0),
    );
    assert_eq!(report.overall.max_wait_min, 0.0);
    assert!((report.window_busy_share[0] - 0.9).abs() < 1e-12);
}

fn poisson_day(rng: &mut Rng, rate: f64, service: f64, patience: f64, count: usize) -> Vec<Ticket> {
    let mut now = 0.0;
    (0..count)
        .map(|_| {
            now += rng.exponential(1.0 / rate);
            Ticket {
                arrival_min: now,
                category: 0,
                service_min: rng.exponential(service),
                patience_min: if patience.is_finite() {
                    rng.exponential(patience)
                } else {
                    f64::INFINITY
                },
                priority: false,
            }
        })
        .collect()
}

#[test]
fn a_long_m_m_c_run_agrees_with_erlang_c() {
    // λ = 1/min, E[S] = 2.4 min, 3 windows: a = 2.4, ρ = 0.8.
    let mut rng = Rng::new(20261130);
    let tickets = poisson_day(&mut rng, 1.0, 2.4, f64::INFINITY, 200_000);
    let layout = Layout::fixed(vec![CategorySet::single(0); 3]);
    let report = simulate(&tickets, &layout, &config(1, 200_000.0));
    let erlang = ErlangC::new(1.0, 2.4, 3);
    let mean = report.overall.mean_wait_min;
    assert!(
        (mean - erlang.mean_wait()).abs() < 0.05 * erlang.mean_wait(),
        "{mean} vs {}",
        erlang.mean_wait()
    );
    let within = report.overall.within_target_share;
    assert!(
        (within - erlang.p_wait_within(5.0)).abs() < 0.01,
        "{within}"
    );
    assert_eq!(report.overall.abandoned, 0);
}

#[test]
fn a_long_m_m_c_plus_m_run_agrees_with_erlang_a() {
    // 12 Erlangs on 10 windows, mean patience 15 min: overloaded, held by abandonment.
    let mut rng = Rng::new(7);
    let tickets = poisson_day(&mut rng, 1.2, 10.0, 15.0, 150_000);
    let layout = Layout::fixed(vec![CategorySet::single(0); 10]);
    let report = simulate(&tickets, &layout, &config(1, 125_000.0));
    let erlang = ErlangA::new(1.2, 10.0, 15.0, 10);
    let expected = erlang.measures();
    let abandon = report.overall.abandon_share;
    assert!(
        (abandon - expected.p_abandon).abs() < 0.01,
        "{abandon} vs {expected:?}"
    );
    let queue_time = report.overall.mean_queue_time_min;
    assert!(
        (queue_time - expected.mean_wait).abs() < 0.05 * expected.mean_wait,
        "{queue_time} vs {expected:?}"
    );
    let within = report.overall.within_target_share;
    assert!(
        (within - erlang.p_served_within(5.0)).abs() < 0.01,
        "{within}"
    );
}

#[test]
fn green_channel_tickets_are_called_first_and_impatient_people_leave() {
    let mut tickets = vec![
        ticket(0.0, 0, 10.0),
        ticket(1.0, 0, 10.0),
        ticket(2.0, 0, 10.0),
        ticket(3.0, 0, 10.0),
    ];
    tickets[2].priority = true;
    tickets[3].patience_min = 4.0;
    let report = simulate(
        &tickets,
        &Layout::fixed(vec![CategorySet::single(0)]),
        &config(1, 60.0),
    );
    // At 10 the green ticket (arrived 2) goes first: waits 8; ticket 1 waits 19; ticket 3
    // left at 7 after 4 minutes.
    assert_eq!(report.overall.served, 3);
    assert_eq!(report.overall.abandoned, 1);
    assert_eq!(report.overall.max_wait_min, 19.0);
    assert_eq!(report.overall.mean_wait_min, 9.0);
    assert_eq!(
        report.overall.mean_queue_time_min,
        (0.0 + 19.0 + 8.0 + 4.0) / 4.0
    );
}

#[test]
fn a_tidal_window_changes_category_at_the_slot_boundary_after_its_ticket() {
    // Window 0 serves category 0 for the first 30 minutes, then category 1; window 1 always
    // serves category 0. A category-1 ticket arriving at 5 waits until window 0 finishes the
    // category-0 ticket it started at 25 (ends 37), although the slot changed at 30.
    let layout = Layout {
        slot_min: 30.0,
        slots: vec![
            vec![CategorySet::single(0), CategorySet::single(0)],
            vec![CategorySet::single(1), CategorySet::single(0)],
        ],
    };
    let tickets = vec![
        ticket(0.0, 0, 25.0),
        ticket(5.0, 1, 5.0),
        ticket(25.0, 0, 12.0),
    ];
    let report = simulate(&tickets, &layout, &config(2, 60.0));
    assert_eq!(report.per_category[1].max_wait_min, 32.0);
    assert_eq!(report.per_category[0].max_wait_min, 0.0);
    assert_eq!(report.waiting_at_slot_start[1], vec![0, 1]);
    assert_eq!(report.last_finish_min, 42.0);
    // A category nobody serves: its tickets are counted as left.
    let report = simulate(
        &[ticket(0.0, 1, 5.0)],
        &Layout::fixed(vec![CategorySet::single(0)]),
        &config(2, 60.0),
    );
    assert_eq!(report.overall.abandoned, 1);
}

#[test]
fn category_sets_behave_as_bit_sets() {
    let set = CategorySet::single(1).with(3);
    assert_eq!(set.iter().collect::<Vec<_>>(), vec![1, 3]);
    assert!(set.contains(3) && !set.contains(0) && !set.contains(40));
    assert_eq!(CategorySet::all(3), CategorySet(0b111));
    assert!(CategorySet::EMPTY.is_empty());
}

#[test]
fn the_outcomes_per_ticket_add_up_to_the_report() {
    // Two windows, one category each, impatient people: some are called, some leave.
    let mut rng = Rng::new(7);
    let mut tickets = poisson_day(&mut rng, 1.2, 2.0, 10.0, 400);
    for (k, ticket) in tickets.iter_mut().enumerate() {
        ticket.category = k % 2;
        ticket.priority = k % 7 == 0;
    }
    // Any order: the outcomes follow the order handed in.
    tickets.reverse();
    let layout = Layout::fixed(vec![CategorySet::single(0), CategorySet::single(1)]);
    let (report, outcomes) = simulate_with_outcomes(&tickets, &layout, &config(2, 400.0));
    assert_eq!(report, simulate(&tickets, &layout, &config(2, 400.0)));
    assert_eq!(outcomes.len(), tickets.len());
    let mut waits: Vec<f64> = outcomes
        .iter()
        .filter(|o| o.called)
        .map(|o| o.wait_min)
        .collect();
    assert!(report.overall.abandoned > 0 && report.overall.served > 0);
    assert_eq!(waits.len(), report.overall.served);
    let mean = waits.iter().sum::<f64>() / waits.len() as f64;
    assert!((mean - report.overall.mean_wait_min).abs() < 1e-9);
    waits.sort_by(f64::total_cmp);
    assert_eq!(percentile(&waits, 0.9), report.overall.p90_wait_min);
    // Whoever left waited their patience, no longer.
    for (ticket, outcome) in tickets.iter().zip(&outcomes) {
        if !outcome.called {
            assert!(outcome.wait_min <= ticket.patience_min);
        }
    }
    let category_one = outcomes
        .iter()
        .zip(&tickets)
        .filter(|(o, t)| o.called && t.category == 1)
        .count();
    assert_eq!(category_one, report.per_category[1].served);
}
