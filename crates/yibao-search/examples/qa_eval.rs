//! Quick evaluation without the CLI: `cargo run -p yibao-search --example qa_eval -- SET
//! [tune|holdout|all]` prints our figures, the baseline's and our misses.

use yibao_domain::Catalog;
use yibao_search::eval::{cases_from_args, evaluate};
use yibao_search::{Baseline, KnowledgeBase, QaConfig, QaEngine};

fn main() {
    let cases = cases_from_args();
    let kb = KnowledgeBase::default_for(&Catalog::jiangsu_2022());
    let engine = QaEngine::new(kb.clone(), QaConfig::default()).expect("index");
    let ours = evaluate(&engine, &cases);
    let base = evaluate(&Baseline::new(kb).expect("index"), &cases);
    for (question, expected, got) in &ours.misses {
        let ranked = yibao_search::Ranker::rank(&engine, question, 1);
        println!(
            "✗ {question} | want {} | got {} | conf {:.2} | {:?}",
            expected.as_deref().unwrap_or("refuse"),
            got.as_deref().unwrap_or("refuse"),
            ranked.first().map(|r| r.confidence).unwrap_or(0.0),
            engine.analyse(question)
        );
    }
    println!("ours: {ours:?}\nbase: {base:?}");
}
