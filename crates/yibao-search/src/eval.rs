//! Evaluation of a ranker on a labelled question set (JSON lines `{"question",
//! "expected_item"}`; a null item means out of scope and must be refused): top-1 accuracy,
//! recall@3 and MRR over the in-scope questions (a refusal counts as a miss) and refusal
//! accuracy over the out-of-scope ones.

use serde::{Deserialize, Serialize};

use crate::SearchError;
use crate::qa::Ranker;

/// One labelled question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub question: String,
    pub expected_item: Option<String>,
    /// `tune` or `holdout`; absent means both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
}

/// Reads JSON lines; a bad line is reported with its number.
pub fn read_cases(text: &str) -> Result<Vec<Case>, SearchError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line).map_err(|error| {
                SearchError::EvalSet(format!("第 {} 行格式错误：{error}", number + 1))
            })
        })
        .collect()
}

/// For the calibration examples: the engine over the default knowledge base of the bundled
/// Jiangsu 2022 catalog.
pub fn bundled_engine() -> crate::QaEngine {
    crate::QaEngine::new(
        crate::KnowledgeBase::default_for(&yibao_domain::Catalog::jiangsu_2022()),
        crate::QaConfig::default(),
    )
    .expect("the bundled knowledge base indexes")
}

/// For the calibration examples: reads the set named by the first command-line argument
/// (default `bench/qa/devset.jsonl`) and keeps the split named by the second (`tune`,
/// `holdout` or `all`; default `tune`).
pub fn cases_from_args() -> Vec<Case> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "bench/qa/devset.jsonl".to_owned());
    let split = args.next().unwrap_or_else(|| "tune".to_owned());
    let text = std::fs::read_to_string(&path).expect("read the set");
    read_cases(&text)
        .expect("valid set")
        .into_iter()
        .filter(|c| split == "all" || c.split.as_deref() == Some(split.as_str()))
        .collect()
}

/// Figures of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub questions: usize,
    pub in_scope: usize,
    pub out_of_scope: usize,
    pub top1: f64,
    pub recall_at_3: f64,
    pub mrr: f64,
    pub refusal: f64,
    /// In-scope questions the ranker refused.
    pub refused_in_scope: usize,
    /// Misses, for reading: (question, expected, got).
    #[serde(skip)]
    pub misses: Vec<(String, Option<String>, Option<String>)>,
}

/// Runs every case through the ranker.
pub fn evaluate(ranker: &dyn Ranker, cases: &[Case]) -> Report {
    let mut report = Report {
        questions: cases.len(),
        ..Report::default()
    };
    let (mut top1, mut recall, mut mrr, mut refused_ok) = (0usize, 0usize, 0.0f64, 0usize);
    for case in cases {
        let ranked = ranker.rank(&case.question, 3);
        let answered = ranked.first().is_some_and(|best| ranker.accepts(best));
        let items: Vec<Option<String>> = ranked
            .iter()
            .map(|r| ranker.entries()[r.entry].item.clone())
            .collect();
        let got = if answered {
            items.first().cloned().flatten()
        } else {
            None
        };
        match &case.expected_item {
            Some(expected) => {
                report.in_scope += 1;
                if !answered {
                    report.refused_in_scope += 1;
                    report
                        .misses
                        .push((case.question.clone(), Some(expected.clone()), None));
                    continue;
                }
                let position = items.iter().position(|i| i.as_deref() == Some(expected));
                match position {
                    Some(0) => top1 += 1,
                    _ => report.misses.push((
                        case.question.clone(),
                        Some(expected.clone()),
                        got.clone().or(Some("（通用条目）".to_owned())),
                    )),
                }
                if let Some(position) = position {
                    recall += 1;
                    mrr += 1.0 / (position as f64 + 1.0);
                }
            }
            None => {
                report.out_of_scope += 1;
                if answered {
                    report.misses.push((case.question.clone(), None, got));
                } else {
                    refused_ok += 1;
                }
            }
        }
    }
    let share = |n: f64, d: usize| if d == 0 { 0.0 } else { n / d as f64 };
    report.top1 = share(top1 as f64, report.in_scope);
    report.recall_at_3 = share(recall as f64, report.in_scope);
    report.mrr = share(mrr, report.in_scope);
    report.refusal = share(refused_ok as f64, report.out_of_scope);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let error = read_cases("{\"question\":\"a\",\"expected_item\":null}\n{oops").unwrap_err();
        assert!(error.to_string().contains("第 2 行"), "{error}");
    }
}
