//! "At least k of these groups of terms", scored as the sum of every clause found on the
//! document plus optional clauses that only add to the score, with a real `seek`.
//!
//! Tantivy 0.27's own minimum-should-match scorer (`Disjunction`) has no `seek`, and its union
//! (`BufferedUnionScorer`) refills a 4,096-document window on every far seek: inside an
//! intersection with selective filters both end up reading every posting of every clause,
//! which made a filtered archive search at 1,000,000 records cost 20–60 ms. Here a match must
//! be in one of the n - k + 1 cheapest groups, so only their clauses are walked; every other
//! clause is sought (skip lists) to each candidate they give.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Matches documents on which groups weighing at least `required` together have a clause (a
/// group is "either of these", such as one bigram in the title or in the text, and weighs
/// what its bigram tells); `optional` clauses only add their score.
#[derive(Debug)]
pub struct AtLeastQuery {
    groups: Vec<(f32, Vec<Box<dyn Query>>)>,
    optional: Vec<Box<dyn Query>>,
    required: f32,
    /// Clauses every match must also be in (the search's filters); they add no score and are
    /// checked on each candidate before the groups are, so a selective filter keeps the
    /// expensive part from running on documents it excludes.
    filters: Vec<Box<dyn Query>>,
}

impl Clone for AtLeastQuery {
    fn clone(&self) -> Self {
        AtLeastQuery {
            groups: self
                .groups
                .iter()
                .map(|(weight, group)| (*weight, group.iter().map(|q| q.box_clone()).collect()))
                .collect(),
            optional: self.optional.iter().map(|q| q.box_clone()).collect(),
            required: self.required,
            filters: self.filters.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl AtLeastQuery {
    /// With every weight 1 and `required` 1 this is a union of the groups.
    pub fn new(
        groups: Vec<(f32, Vec<Box<dyn Query>>)>,
        optional: Vec<Box<dyn Query>>,
        required: f32,
    ) -> AtLeastQuery {
        AtLeastQuery {
            groups,
            optional,
            required,
            filters: Vec::new(),
        }
    }

    /// Adds clauses every match must be in (no score).
    pub fn filtered_by(mut self, filters: Vec<Box<dyn Query>>) -> AtLeastQuery {
        self.filters.extend(filters);
        self
    }
}

impl Query for AtLeastQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut weights = Vec::new();
        let mut group_of = Vec::new();
        for (number, (_, group)) in self.groups.iter().enumerate() {
            for clause in group {
                weights.push(clause.weight(enable_scoring)?);
                group_of.push(Some(number));
            }
        }
        for clause in &self.optional {
            weights.push(clause.weight(enable_scoring)?);
            group_of.push(None);
        }
        let filters = self
            .filters
            .iter()
            .map(|filter| {
                filter.weight(EnableScoring::disabled_from_schema(enable_scoring.schema()))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AtLeastWeight {
            weights,
            filters,
            group_of,
            group_weights: self.groups.iter().map(|(weight, _)| *weight).collect(),
            required: self.required,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in self
            .groups
            .iter()
            .flat_map(|(_, group)| group)
            .chain(&self.optional)
        {
            clause.query_terms(visitor);
        }
    }
}

struct AtLeastWeight {
    weights: Vec<Box<dyn Weight>>,
    filters: Vec<Box<dyn Weight>>,
    /// The group of each weight; `None` for optional clauses.
    group_of: Vec<Option<usize>>,
    group_weights: Vec<f32>,
    required: f32,
}

impl Weight for AtLeastWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let clauses = self
            .weights
            .iter()
            .map(|weight| weight.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let filters = self
            .filters
            .iter()
            .map(|weight| weight.scorer(reader, 0.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AtLeastScorer::new(
            clauses,
            filters,
            self.group_of.clone(),
            &self.group_weights,
            self.required,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document #{doc} does not match"
            )));
        }
        Ok(Explanation::new("at least k groups", scorer.score()))
    }
}

/// The scorer: clauses stay positioned; `doc` is the current match.
struct AtLeastScorer {
    clauses: Vec<Box<dyn Scorer>>,
    filters: Vec<Box<dyn Scorer>>,
    group_of: Vec<Option<usize>>,
    /// Whether each clause belongs to a lead group: the cheapest groups such that the others
    /// together weigh less than `required`, so every match is in one of them. Only they are
    /// advanced; the others are sought.
    leads: Vec<bool>,
    group_weights: Vec<f32>,
    required: f32,
    doc: DocId,
    score: Score,
    cost: u64,
    /// Scratch: whether each group is on the candidate.
    on_candidate: Vec<bool>,
}

impl AtLeastScorer {
    fn new(
        clauses: Vec<Box<dyn Scorer>>,
        filters: Vec<Box<dyn Scorer>>,
        group_of: Vec<Option<usize>>,
        group_weights: &[f32],
        required: f32,
    ) -> AtLeastScorer {
        let groups = group_weights.len();
        let mut costs = vec![0u64; groups];
        for (clause, group) in clauses.iter().zip(&group_of) {
            if let Some(group) = group {
                costs[*group] += clause.cost();
            }
        }
        let mut by_cost: Vec<usize> = (0..groups).collect();
        by_cost.sort_by_key(|&group| costs[group]);
        let mut rest: f32 = group_weights.iter().sum();
        let reachable = rest >= required;
        let mut lead_groups = Vec::new();
        for group in by_cost {
            if rest < required {
                break;
            }
            rest -= group_weights[group];
            lead_groups.push(group);
        }
        let cost = lead_groups.iter().map(|&group| costs[group]).sum();
        let leads = group_of
            .iter()
            .map(|group| group.is_some_and(|g| lead_groups.contains(&g)))
            .collect();
        let mut scorer = AtLeastScorer {
            clauses,
            filters,
            group_of,
            leads,
            group_weights: group_weights.to_vec(),
            required,
            doc: 0,
            score: 0.0,
            cost,
            on_candidate: vec![false; groups],
        };
        if !reachable {
            scorer.doc = TERMINATED;
        } else {
            scorer.settle();
        }
        scorer
    }

    /// Moves to the first document at or after the lead clauses' positions on which groups
    /// weighing at least `required` have a clause, and scores it.
    fn settle(&mut self) -> DocId {
        loop {
            let candidate = self
                .clauses
                .iter()
                .zip(&self.leads)
                .filter(|(_, lead)| **lead)
                .map(|(clause, _)| clause.doc())
                .min()
                .unwrap_or(TERMINATED);
            if candidate == TERMINATED {
                self.doc = TERMINATED;
                return self.doc;
            }
            // The filters first: on a miss, jump the leads to the next document they all pass.
            let mut target = candidate;
            for filter in &mut self.filters {
                if filter.doc() < target {
                    filter.seek(target);
                }
                target = target.max(filter.doc());
            }
            if target > candidate {
                for (clause, lead) in self.clauses.iter_mut().zip(&self.leads) {
                    if *lead && clause.doc() < target {
                        clause.seek(target);
                    }
                }
                continue;
            }
            self.on_candidate.fill(false);
            for (clause, group) in self.clauses.iter_mut().zip(&self.group_of) {
                if let Some(group) = group {
                    if clause.doc() < candidate {
                        clause.seek(candidate);
                    }
                    if clause.doc() == candidate {
                        self.on_candidate[*group] = true;
                    }
                }
            }
            let found: f32 = self
                .on_candidate
                .iter()
                .zip(&self.group_weights)
                .filter(|(on, _)| **on)
                .map(|(_, weight)| weight)
                .sum();
            if found >= self.required {
                self.doc = candidate;
                self.score = 0.0;
                for clause in &mut self.clauses {
                    if clause.doc() < candidate {
                        clause.seek(candidate);
                    }
                    if clause.doc() == candidate {
                        self.score += clause.score();
                    }
                }
                return candidate;
            }
            self.step_leads_past(candidate);
        }
    }

    fn step_leads_past(&mut self, doc: DocId) {
        for (clause, lead) in self.clauses.iter_mut().zip(&self.leads) {
            if *lead && clause.doc() == doc {
                clause.advance();
            }
        }
    }
}

impl DocSet for AtLeastScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.step_leads_past(self.doc);
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc {
            return self.doc;
        }
        for (clause, lead) in self.clauses.iter_mut().zip(&self.leads) {
            if *lead && clause.doc() < target {
                clause.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.cost.min(u64::from(u32::MAX)) as u32
    }

    fn cost(&self) -> u64 {
        self.cost
    }
}

impl Scorer for AtLeastScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, IndexWriter, doc};

    use super::*;

    #[test]
    fn documents_with_at_least_k_of_the_groups_match_alone_and_inside_an_intersection() {
        let mut builder = Schema::builder();
        let tag = builder.add_text_field("tag", STRING);
        let kind = builder.add_text_field("kind", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Document n has tag a when n is even, b every 3rd, c every 5th; kind x every 7th.
        for n in 0..1000u32 {
            let mut document = doc!();
            for (tag_name, every) in [("a", 2), ("b", 3), ("c", 5)] {
                if n.is_multiple_of(every) {
                    document.add_text(tag, tag_name);
                }
            }
            if n.is_multiple_of(7) {
                document.add_text(kind, "x");
            }
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        // Groups {a}, {b}, {c or x}: "c or x" counts once on a document with both.
        let two_of_three = || {
            AtLeastQuery::new(
                vec![
                    (1.0, vec![term(tag, "a")]),
                    (1.0, vec![term(tag, "b")]),
                    (1.0, vec![term(tag, "c"), term(kind, "x")]),
                ],
                vec![term(tag, "a")],
                2.0,
            )
        };
        let matches = |n: u32| {
            [
                n.is_multiple_of(2),
                n.is_multiple_of(3),
                n.is_multiple_of(5) || n.is_multiple_of(7),
            ]
            .iter()
            .filter(|&&on| on)
            .count()
                >= 2
        };
        let expected = (0..1000u32).filter(|&n| matches(n)).count();
        assert_eq!(searcher.search(&two_of_three(), &Count).unwrap(), expected);
        // Inside an intersection (sought, not walked).
        let filtered = tantivy::query::BooleanQuery::new(vec![
            (tantivy::query::Occur::Must, term(kind, "x")),
            (tantivy::query::Occur::Must, Box::new(two_of_three())),
        ]);
        let expected = (0..1000u32)
            .filter(|&n| n.is_multiple_of(7) && matches(n))
            .count();
        assert_eq!(searcher.search(&filtered, &Count).unwrap(), expected);
        let gated = two_of_three().filtered_by(vec![term(kind, "x")]);
        assert_eq!(searcher.search(&gated, &Count).unwrap(), expected);
        let top = searcher
            .search(&filtered, &TopDocs::with_limit(3).order_by_score())
            .unwrap();
        assert_eq!(top.len(), 3);
    }
}
