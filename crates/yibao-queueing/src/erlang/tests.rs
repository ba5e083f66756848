//! Erlang C and Erlang A against values computed independently with SciPy by
//! `reference/erlang_reference.py` (formulas and sources cited there and below), plus exact
//! hand values and limits.

use super::*;

fn close(actual: f64, expected: f64, relative: f64) -> bool {
    (actual - expected).abs() <= relative * expected.abs().max(1e-12)
}

/// Erlang C: (λ, E[S], n, t, P(wait), E[W], P(W ≤ t)). Source: the M/M/c formulas of Gross,
/// Shortle, Thompson & Harris, *Fundamentals of Queueing Theory* (4th ed.), §2.3, evaluated by
/// `reference/erlang_reference.py` with Erlang B from `scipy.stats.poisson`. The first two
/// rows are also exact textbook values: C(2, 1) = 1/3 and C(3, 2) = 4/9.
const ERLANG_C: [(f64, f64, u32, f64, f64, f64, f64); 8] = [
    (
        1.0,
        1.0,
        2,
        1.0,
        3.333333333333e-01,
        3.333333333333e-01,
        8.773735196095e-01,
    ),
    (
        2.0,
        1.0,
        3,
        0.5,
        4.444444444444e-01,
        4.444444444444e-01,
        7.304308179055e-01,
    ),
    (
        0.5,
        8.0,
        5,
        5.0,
        5.541125541126e-01,
        4.432900432900e+00,
        7.034049227254e-01,
    ),
    (
        1.0,
        10.0,
        12,
        5.0,
        4.493882242983e-01,
        2.246941121491e+00,
        8.346793111761e-01,
    ),
    (
        5.0,
        10.0,
        55,
        2.0,
        3.845473179329e-01,
        7.690946358658e-01,
        8.585329475749e-01,
    ),
    (
        10.0,
        10.0,
        110,
        1.0,
        2.370075002851e-01,
        2.370075002851e-01,
        9.128098132417e-01,
    ),
    (
        100.0,
        4.0,
        415,
        0.25,
        3.485161783635e-01,
        9.293764756359e-02,
        8.635191035650e-01,
    ),
    (
        250.0,
        4.0,
        1030,
        0.1,
        2.489087858434e-01,
        3.318783811246e-02,
        8.824238148842e-01,
    ),
];

#[test]
fn erlang_c_matches_the_published_formulas_up_to_a_load_of_a_thousand_erlangs() {
    for (rate, service, servers, t, p_wait, mean_wait, within) in ERLANG_C {
        let queue = ErlangC::new(rate, service, servers);
        assert!(
            close(queue.p_wait(), p_wait, 1e-9),
            "{queue:?} P(wait) {}",
            queue.p_wait()
        );
        assert!(close(queue.mean_wait(), mean_wait, 1e-9), "{queue:?} E[W]");
        assert!(
            close(queue.p_wait_within(t), within, 1e-9),
            "{queue:?} P(W≤{t})"
        );
    }
}

#[test]
fn an_overloaded_erlang_c_queue_never_meets_a_target() {
    let queue = ErlangC::new(1.0, 10.0, 10);
    assert!(!queue.is_stable());
    assert_eq!(queue.p_wait(), 1.0);
    assert_eq!(queue.p_wait_within(5.0), 0.0);
    assert_eq!(queue.mean_wait(), f64::INFINITY);
}

#[test]
fn erlang_c_staffing_is_the_first_server_count_meeting_the_target() {
    // 1 per minute × 10 min = 10 Erlangs; from the table above, 12 servers give 83.5% within 5
    // minutes, so 90% needs more than 12.
    let target = ServiceTarget {
        within_min: 5.0,
        share: 0.9,
    };
    let servers = erlang_c_servers(1.0, 10.0, target);
    assert!(servers > 12);
    assert!(ErlangC::new(1.0, 10.0, servers).p_wait_within(5.0) >= 0.9);
    assert!(ErlangC::new(1.0, 10.0, servers - 1).p_wait_within(5.0) < 0.9);
    assert_eq!(erlang_c_servers(0.0, 10.0, target), 0);
    // Large loads stay finite: 1,000 Erlangs need a little more than 1,000 servers.
    let large = erlang_c_servers(250.0, 4.0, target);
    assert!((1001..1100).contains(&large), "{large}");
}

/// Erlang A: (λ, E[S], mean patience, n, P(wait), P(abandon), E[W]). Source: Garnett,
/// Mandelbaum & Reiman, "Designing a call center with impatient customers", M&SOM 4(3), 2002,
/// §3 (closed forms through the incomplete gamma function), evaluated by
/// `reference/erlang_reference.py` with `scipy.special.gammainc`.
const ERLANG_A: [(f64, f64, f64, u32, f64, f64, f64); 7] = [
    (
        1.0,
        1.0,
        2.0,
        1,
        6.869647145007e-01,
        3.130352854993e-01,
        6.260705709987e-01,
    ),
    (
        0.5,
        8.0,
        30.0,
        4,
        7.015863194131e-01,
        1.344963067434e-01,
        4.034889202302e+00,
    ),
    (
        2.0,
        5.0,
        10.0,
        9,
        7.579399451422e-01,
        1.576873729383e-01,
        1.576873729383e+00,
    ),
    (
        1.0,
        10.0,
        20.0,
        8,
        8.697936973339e-01,
        2.272184274612e-01,
        4.544368549223e+00,
    ),
    (
        10.0,
        10.0,
        30.0,
        95,
        8.602634385962e-01,
        5.920888750655e-02,
        1.776266625197e+00,
    ),
    (
        100.0,
        4.0,
        2.0,
        380,
        7.345034644261e-01,
        5.706844563341e-02,
        1.141368912668e-01,
    ),
    (
        3.0,
        5.0,
        45.0,
        12,
        9.952838308206e-01,
        2.007488878947e-01,
        9.033699955260e+00,
    ),
];

#[test]
fn erlang_a_matches_the_garnett_mandelbaum_reiman_formulas() {
    for (rate, service, patience, servers, p_wait, p_abandon, mean_wait) in ERLANG_A {
        let measures = ErlangA::new(rate, service, patience, servers).measures();
        assert!(
            close(measures.p_wait, p_wait, 1e-8),
            "{measures:?} vs {p_wait}"
        );
        assert!(close(measures.p_abandon, p_abandon, 1e-8), "{measures:?}");
        assert!(close(measures.mean_wait, mean_wait, 1e-8), "{measures:?}");
    }
}

/// Erlang A: (λ, E[S], mean patience, n, t, P(served and W ≤ t)). Source: the tagged-customer
/// Markov chain of Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance measures"
/// (2009), solved by `reference/erlang_reference.py` with `scipy.linalg.expm` (a matrix
/// exponential, not the uniformization used here).
const ERLANG_A_WITHIN: [(f64, f64, f64, u32, f64, f64); 6] = [
    (1.0, 1.0, 2.0, 1, 1.0, 5.442994360165e-01),
    (0.5, 8.0, 30.0, 4, 5.0, 5.894431944723e-01),
    (2.0, 5.0, 10.0, 9, 3.0, 6.794816211257e-01),
    (1.0, 10.0, 20.0, 8, 5.0, 4.493592185820e-01),
    (3.0, 5.0, 45.0, 12, 5.0, 1.018493148605e-01),
    (1.2, 5.0, 30.0, 5, 10.0, 6.528025937556e-01),
];

#[test]
fn erlang_a_served_within_matches_the_matrix_exponential_of_the_tagged_chain() {
    for (rate, service, patience, servers, t, expected) in ERLANG_A_WITHIN {
        let queue = ErlangA::new(rate, service, patience, servers);
        let actual = queue.p_served_within(t);
        assert!(
            close(actual, expected, 1e-7),
            "{queue:?} t={t}: {actual} vs {expected}"
        );
        let given_served = queue.p_wait_within_given_served(t);
        assert!(given_served >= actual && given_served <= 1.0);
    }
}

#[test]
fn erlang_a_with_endless_patience_tends_to_erlang_c() {
    for (rate, service, servers, t, p_wait, mean_wait, within) in ERLANG_C.into_iter().take(5) {
        let queue = ErlangA::new(rate, service, 1e7, servers);
        let measures = queue.measures();
        assert!(close(measures.p_wait, p_wait, 1e-4), "{measures:?}");
        assert!(close(measures.mean_wait, mean_wait, 1e-3), "{measures:?}");
        assert!(close(queue.p_served_within(t), within, 1e-3));
    }
}

#[test]
fn erlang_a_stays_finite_when_overloaded_and_staffing_may_fall_below_the_load() {
    // 12 Erlangs on 8 servers: Erlang C is unstable, Erlang A sheds the excess by abandonment.
    let measures = ErlangA::new(1.2, 10.0, 20.0, 8).measures();
    assert!(
        measures.p_wait > 0.9 && measures.p_wait < 1.0,
        "{measures:?}"
    );
    // At least the excess (12 − 8 served per 10 minutes) leaves: P(ab) ≥ 1 − 8/12.
    assert!(measures.p_abandon > 1.0 - 8.0 / 12.0, "{measures:?}");
    assert!(measures.mean_wait.is_finite());
    // A huge overload with short patience: terms are rescaled, nothing overflows.
    let huge = ErlangA::new(500.0, 10.0, 0.5, 100).measures();
    assert!(huge.p_wait > 0.999 && huge.p_abandon > 0.97, "{huge:?}");
    let target = ServiceTarget::default();
    let servers = erlang_a_servers(1.0, 10.0, 20.0, target);
    let queue = |n| ErlangA::new(1.0, 10.0, 20.0, n).p_served_within(5.0);
    assert!(queue(servers) >= 0.9 && queue(servers - 1) < 0.9);
    assert!(servers <= erlang_c_servers(1.0, 10.0, target));
}

#[test]
fn erlang_b_is_exact_for_small_systems() {
    // B(1, a) = a / (1 + a); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 1/5.
    assert!(close(erlang_b(1, 3.0), 0.75, 1e-15));
    assert!(close(erlang_b(2, 1.0), 0.2, 1e-15));
    assert_eq!(erlang_b(0, 5.0), 1.0);
}
