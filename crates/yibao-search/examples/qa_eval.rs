//! Quick evaluation without the CLI: `cargo run -p yibao-search --example qa_eval -- SET
//! [tune|holdout|all]` prints our figures, the baseline's and our misses.

use yibao_domain::Catalog;
use yibao_search::eval::{evaluate, read_cases};
use yibao_search::{Baseline, KnowledgeBase, QaConfig, QaEngine};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "bench/qa/devset.jsonl".to_owned());
    let split = args.next().unwrap_or_else(|| "tune".to_owned());
    let text = std::fs::read_to_string(&path).expect("read the set");
    let cases: Vec<_> = read_cases(&text)
        .expect("valid set")
        .into_iter()
        .filter(|c| split == "all" || c.split.as_deref() == Some(split.as_str()))
        .collect();
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
