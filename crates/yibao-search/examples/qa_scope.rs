//! Prints, for every question of a set, its label, whether ours ranks it right, the
//! confidence, the known share and the unknown words (for calibrating the scope check).

use yibao_search::Ranker;
use yibao_search::eval::{bundled_engine, cases_from_args};

fn main() {
    let engine = bundled_engine();
    for case in cases_from_args() {
        let ranked = engine.rank(&case.question, 1);
        let (right, confidence) = match ranked.first() {
            Some(best) => (
                engine.entries()[best.entry].item == case.expected_item,
                best.confidence,
            ),
            None => (false, 0.0),
        };
        let unknown: Vec<String> = engine
            .scope_words(&case.question)
            .into_iter()
            .filter(|(_, known)| !known)
            .map(|(word, _)| word)
            .collect();
        println!(
            "{}\t{}\t{confidence:.2}\t{:.2}\t{}\t{:?}",
            if case.expected_item.is_some() {
                "in"
            } else {
                "oos"
            },
            if right { "ok" } else { "x" },
            engine.known_share(&case.question),
            case.question,
            unknown
        );
    }
}
