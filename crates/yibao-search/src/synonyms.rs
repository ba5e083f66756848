//! Everyday wording → policy terms (外地看病 → 异地就医, 手工报销 → 零星报销, 慢病 → 门诊慢特病…).
//!
//! Rules are applied to a question before it is cut, longest phrase first, so the knowledge
//! base only needs the policy term. A phrase inside an occurrence of its own policy term
//! (居民医保 inside 城乡居民医保) is left alone.

use crate::analysis::fold;

/// The bundled table, `everyday|everyday → term` per line.
pub const SYNONYMS: &str = include_str!("../data/synonyms.txt");

/// A parsed synonym table.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// (everyday phrase as chars, policy term), longest phrase first.
    rules: Vec<(Vec<char>, String)>,
}

impl Synonyms {
    pub fn bundled() -> Synonyms {
        Synonyms::parse(SYNONYMS).expect("the bundled synonym table is valid")
    }

    /// Parses the table; a line without `→` is reported with its number.
    pub fn parse(text: &str) -> Result<Synonyms, String> {
        let mut rules = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((left, term)) = line.split_once('→') else {
                return Err(format!("同义词表第 {} 行缺少“→”", number + 1));
            };
            let term = fold(term.trim());
            if term.is_empty() {
                return Err(format!("同义词表第 {} 行缺少政策用语", number + 1));
            }
            for phrase in left.split('|').map(str::trim).filter(|p| !p.is_empty()) {
                rules.push((fold(phrase).chars().collect::<Vec<char>>(), term.clone()));
            }
        }
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.0.len()));
        Ok(Synonyms { rules })
    }

    /// The everyday phrases and policy terms of the table (the wording it knows).
    pub fn vocabulary(&self) -> impl Iterator<Item = String> + '_ {
        self.rules
            .iter()
            .flat_map(|(phrase, term)| [phrase.iter().collect::<String>(), term.clone()])
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rewrites everyday phrases to policy terms.
    pub fn apply(&self, text: &str) -> String {
        let chars: Vec<char> = fold(text).chars().collect();
        let mut out = String::new();
        let mut i = 0;
        'outer: while i < chars.len() {
            for (phrase, term) in &self.rules {
                if chars[i..].starts_with(phrase) {
                    // Already the policy term (or inside it)? Copy it through unchanged.
                    let term_chars: Vec<char> = term.chars().collect();
                    if let Some(end) = covering_occurrence(&chars, i, phrase.len(), &term_chars) {
                        out.extend(&chars[i..end]);
                        i = end;
                    } else {
                        out.push_str(term);
                        i += phrase.len();
                    }
                    continue 'outer;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }
}

/// End of an occurrence of `term` in `chars` overlapping the phrase at `at..at + len`, if any
/// (能报 in 能报销 overlaps 报销: the text already says it).
fn covering_occurrence(chars: &[char], at: usize, len: usize, term: &[char]) -> Option<usize> {
    let first = at.saturating_sub(term.len().saturating_sub(1));
    (first..at + len.max(1))
        .find(|&start| start < chars.len() && chars[start..].starts_with(term))
        .map(|start| start + term.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn everyday_words_become_policy_terms() {
        let synonyms = Synonyms::bundled();
        expect!["我妈在异地就医住院了回来咋零星报销"]
            .assert_eq(&synonyms.apply("我妈在外地看病住院了回来咋手工报销"));
        expect!["门诊慢特病待遇认定要申请材料"].assert_eq(&synonyms.apply("慢病认定要带啥"));
    }

    #[test]
    fn a_phrase_inside_its_own_term_is_left_alone() {
        let synonyms = Synonyms::bundled();
        expect!["城乡居民医保怎么交"].assert_eq(&synonyms.apply("城乡居民医保怎么交"));
        expect!["异地就医备案"].assert_eq(&synonyms.apply("异地就医备案"));
    }

    #[test]
    fn a_line_without_an_arrow_is_reported() {
        assert_eq!(
            Synonyms::parse("# x\n外地 异地").unwrap_err(),
            "同义词表第 2 行缺少“→”"
        );
    }
}
