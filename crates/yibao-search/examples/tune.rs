//! Grid search of the Q&A's weights and threshold on the tuning half of a development set
//! (`cargo run -p yibao-search --example tune -- bench/qa/devset.jsonl`). The held-out half is
//! never looked at here; `yibao qa eval --split holdout` reports it with the chosen values.

use yibao_domain::Catalog;
use yibao_search::eval::{evaluate, read_cases};
use yibao_search::{KnowledgeBase, QaConfig, QaEngine};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench/qa/devset.jsonl".to_owned());
    let text = std::fs::read_to_string(&path).expect("read the development set");
    let cases: Vec<_> = read_cases(&text)
        .expect("valid set")
        .into_iter()
        .filter(|c| c.split.as_deref() == Some("tune"))
        .collect();
    let kb = KnowledgeBase::default_for(&Catalog::jiangsu_2022());
    let mut best: Option<(f64, QaConfig)> = None;
    for bigram_boost in [0.25f32, 0.5, 1.0] {
        for answer_boost in [0.0f32, 0.2, 0.5] {
            for word_weight in [0.3f32, 0.5, 0.7] {
                let config = QaConfig {
                    bigram_boost,
                    answer_boost,
                    word_weight,
                    half_evidence: 4.0,
                    threshold: 0.0,
                    ..QaConfig::default()
                };
                let mut engine = QaEngine::new(kb.clone(), config).expect("index");
                for step in 20..=80 {
                    // Confidence e/(e+4) = t  ⇔  evidence = 4t/(1-t): 0.2..0.8 spans 1..16.
                    let threshold = step as f32 / 100.0;
                    engine.set_threshold(threshold);
                    let report = evaluate(&engine, &cases);
                    // Balanced objective: both goals matter, refusal errs on the safe side.
                    let objective =
                        report.top1.min(report.refusal + 0.05) * 2.0 + report.top1 + report.refusal;
                    if best.as_ref().is_none_or(|(b, _)| objective > *b) {
                        println!(
                            "{objective:.3} top1 {:.3} refusal {:.3} {:?}",
                            report.top1,
                            report.refusal,
                            engine.config()
                        );
                        best = Some((objective, engine.config()));
                    }
                }
            }
        }
    }
    println!("best: {:?}", best.expect("some configuration").1);
}
