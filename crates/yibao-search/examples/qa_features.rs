//! Prints the evidence of the top candidate for every question of a split (for calibrating
//! the confidence on the tuning half): `label correct bm25 matched coverage question`.

use yibao_search::Ranker;
use yibao_search::eval::{bundled_engine, cases_from_args};

fn main() {
    let engine = bundled_engine();
    for case in cases_from_args() {
        let ranked = engine.rank(&case.question, 2);
        let Some(best) = ranked.first() else {
            println!(
                "{}\t-\t0\t0\t0\t0\t{}",
                label(&case.expected_item),
                case.question
            );
            continue;
        };
        let item = engine.entries()[best.entry].item.clone();
        let second = ranked.get(1).map(|r| r.bm25).unwrap_or(0.0);
        println!(
            "{}\t{}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{}",
            label(&case.expected_item),
            if item == case.expected_item {
                "ok"
            } else {
                "x"
            },
            best.bm25,
            best.matched,
            best.coverage,
            best.bm25 - second,
            case.question
        );
    }
}

fn label(item: &Option<String>) -> &'static str {
    if item.is_some() { "in" } else { "oos" }
}
