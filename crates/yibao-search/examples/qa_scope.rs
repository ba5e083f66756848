//! Prints, for every question of a set, its label, whether ours ranks it right, the
//! confidence, the known share and the unknown words (for calibrating the scope check).

use yibao_domain::Catalog;
use yibao_search::eval::read_cases;
use yibao_search::{KnowledgeBase, QaConfig, QaEngine, Ranker};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "bench/qa/devset.jsonl".to_owned());
    let split = args.next().unwrap_or_else(|| "tune".to_owned());
    let text = std::fs::read_to_string(&path).expect("read the set");
    let engine = QaEngine::new(
        KnowledgeBase::default_for(&Catalog::jiangsu_2022()),
        QaConfig::default(),
    )
    .expect("index");
    for case in read_cases(&text).expect("valid set") {
        if split != "all" && case.split.as_deref() != Some(split.as_str()) {
            continue;
        }
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
