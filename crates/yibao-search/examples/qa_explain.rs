//! Shows how a question is cut and ranked: `cargo run -p yibao-search --example qa_explain --
//! "问题"`.

use yibao_domain::Catalog;
use yibao_search::{KnowledgeBase, QaConfig, QaEngine, Ranker};

fn main() {
    let question = std::env::args().nth(1).unwrap_or_default();
    let engine = QaEngine::new(
        KnowledgeBase::default_for(&Catalog::jiangsu_2022()),
        QaConfig::default(),
    )
    .expect("index");
    println!("{:?}", engine.analyse(&question));
    for ranked in engine.rank(&question, 5) {
        let entry = &engine.entries()[ranked.entry];
        println!(
            "{:.2} evidence {:.2} coverage {:.2} confidence {:.2} {} ({})",
            ranked.bm25,
            ranked.matched,
            ranked.coverage,
            ranked.confidence,
            entry.id,
            entry.item.as_deref().unwrap_or("-")
        );
    }
}
