//! The policy Q&A (智能问答): retrieval over a knowledge base combining word BM25 (jieba with
//! the insurance dictionary), character-bigram BM25 and the synonym table, with a confidence
//! below which it refuses and points to the 12393 hotline or a person instead of guessing.
//!
//! Candidates are catalog items (all entries of one item compete as one) or stand-alone
//! entries. A candidate's evidence is the information (IDF-weighted words and bigrams, filler
//! words removed) of the question that its text contains; a question about something the
//! knowledge base never mentions matches little of it, however it is worded. Confidence maps
//! the evidence to 0..1.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

use crate::SearchError;
use crate::analysis::{self, BigramTokenizer, WordTokenizer};
use crate::kb::{Entry, KnowledgeBase};
use crate::synonyms::Synonyms;

/// The hotline offered when the Q&A cannot answer.
pub const HOTLINE: &str = "12393";

/// What is said instead of guessing.
pub const REFUSAL: &str = "抱歉，这个问题我还不能准确回答。您可以拨打医保服务热线 12393，或到就近的医保服务站点找工作人员咨询。";

/// Added to the refusal where the question was actually logged for the editors (the web
/// service; not the offline CLI).
pub const REFUSAL_LOGGED: &str = "您的问题已记录，我们会尽快补充。";

/// Words that carry no topic: greetings, pronouns, particles, generic verbs. Removed from the
/// question before matching and before confidence is measured.
const FILLERS: &[&str] = &[
    "我",
    "我们",
    "你",
    "你们",
    "您",
    "他",
    "她",
    "它",
    "他们",
    "咱",
    "俺",
    "人家",
    "自己",
    "的",
    "了",
    "吗",
    "呢",
    "啊",
    "呀",
    "吧",
    "哦",
    "嘛",
    "么",
    "哈",
    "嗯",
    "啦",
    "咧",
    "哇",
    "请问",
    "问",
    "问下",
    "问一下",
    "一下",
    "想",
    "想问",
    "想要",
    "要",
    "能",
    "能不能",
    "可以",
    "可不可以",
    "可",
    "会",
    "怎么",
    "怎么样",
    "怎样",
    "咋",
    "咋办",
    "怎么办",
    "如何",
    "什么",
    "啥",
    "是",
    "是不是",
    "有",
    "有没有",
    "没有",
    "没",
    "还",
    "都",
    "也",
    "就",
    "才",
    "再",
    "又",
    "很",
    "太",
    "这个",
    "那个",
    "这",
    "那",
    "哪个",
    "个",
    "些",
    "一些",
    "点",
    "一点",
    "现在",
    "今天",
    "明天",
    "谢谢",
    "你好",
    "您好",
    "老师",
    "同志",
    "师傅",
    "麻烦",
    "帮",
    "帮忙",
    "给",
    "让",
    "把",
    "被",
    "在",
    "从",
    "到",
    "去",
    "来",
    "和",
    "跟",
    "与",
    "或",
    "或者",
    "还是",
    "如果",
    "的话",
    "因为",
    "所以",
    "但是",
    "不过",
    "然后",
    "已经",
    "刚",
    "刚刚",
    "一直",
    "该",
    "应该",
    "需要",
    "办",
    "弄",
    "搞",
    "整",
    "做",
    "得",
    "地",
    "着",
    "过",
    "吧",
    "家",
    "家里",
    "妈",
    "爸",
    "老人",
    "老头",
    "老太",
    "孩子他",
    "儿子",
    "女儿",
    "老婆",
    "老公",
    "爷爷",
    "奶奶",
    "岁",
    "多",
    "大",
    "小",
    "上",
    "下",
    "里",
    "中",
    "后",
    "前",
    "时候",
    "事",
    "事情",
    "情况",
    "问题",
    "手续",
    "一般",
    "具体",
    "需",
    "找",
    "谁",
    "行",
    "不行",
    "好",
    "对",
    "不",
    "呗",
    "噻",
    "撒",
    "咋个",
    "啥子",
    "么样",
    "晓得",
    "知道",
    "不知道",
    "请",
    "请教",
];

/// Tunable parts of the scoring; [`QaConfig::default`] holds the values chosen on the tuning
/// half of the development set (see `bench/RESULTS.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QaConfig {
    /// Boost of word matches in questions and item names.
    pub word_boost: f32,
    /// Boost of bigram matches in questions and item names.
    pub bigram_boost: f32,
    /// Boost of word matches in answers.
    pub answer_boost: f32,
    /// Weight of words (vs bigrams) in the evidence.
    pub word_weight: f32,
    /// The evidence (IDF mass of matched question terms) at which confidence is one half:
    /// confidence = evidence / (evidence + half_evidence).
    pub half_evidence: f32,
    /// Below this confidence the Q&A refuses.
    pub threshold: f32,
    /// The Q&A also refuses when no more than this share of the question's own topic words
    /// (as written, before synonyms) is known to the knowledge base or the synonym table:
    /// a question mostly about things the knowledge base never mentions is out of scope
    /// however well its remaining words (材料, 申请, 在哪) match.
    pub max_unknown_known_share: f32,
    /// Apply the synonym table.
    pub synonyms: bool,
}

impl Default for QaConfig {
    fn default() -> Self {
        QaConfig {
            word_boost: 1.0,
            bigram_boost: 0.25,
            answer_boost: 0.2,
            word_weight: 0.3,
            half_evidence: 4.0,
            threshold: 0.45,
            max_unknown_known_share: 0.5,
            synonyms: true,
        }
    }
}

/// One source of an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// The catalog sub-item name, or null for general entries.
    pub item: Option<String>,
    pub title: String,
}

/// One answer (the best entry of a candidate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub text: String,
    /// Confidence in 0..=1.
    pub score: f32,
    pub sources: Vec<Source>,
}

/// The reply to a question, in the CLI/API contract's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub answered: bool,
    pub answers: Vec<Answer>,
}

/// A ranked candidate, before the threshold is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Index of the best entry of the candidate in the knowledge base.
    pub entry: usize,
    pub bm25: f32,
    pub confidence: f32,
    /// IDF mass of the question's terms found in the candidate (words and bigrams weighted).
    pub matched: f32,
    /// Share of the question's IDF mass found in the candidate.
    pub coverage: f32,
    /// Share of the question's own topic words known to the knowledge base (see
    /// [`QaEngine::known_share`]); 1 for rankers without a scope check.
    pub known_share: f32,
}

/// Something that ranks knowledge-base entries for a question (the Q&A and its baseline).
pub trait Ranker {
    fn rank(&self, question: &str, limit: usize) -> Vec<Ranked>;
    /// Whether the best candidate is good enough to answer.
    fn accepts(&self, best: &Ranked) -> bool;
    fn entries(&self) -> &[Entry];
}

struct Fields {
    id: Field,
    question_words: Field,
    question_bigrams: Field,
    answer_words: Field,
}

/// The Q&A engine over one knowledge base (an in-memory tantivy index).
pub struct QaEngine {
    kb: KnowledgeBase,
    config: QaConfig,
    synonyms: Synonyms,
    reader: IndexReader,
    fields: Fields,
    /// Candidate key of each entry.
    candidate_of: Vec<String>,
    /// Per candidate: its words and bigrams.
    candidate_terms: HashMap<String, (HashSet<String>, HashSet<String>)>,
    word_df: HashMap<String, usize>,
    bigram_df: HashMap<String, usize>,
    /// Bigrams of the knowledge base and of the synonym table's wording: the vocabulary a
    /// question within scope is written in.
    known_bigrams: HashSet<String>,
    /// Words of the knowledge base and of the synonym table's wording.
    known_words: HashSet<String>,
}

fn candidate_key(entry: &Entry) -> String {
    entry
        .item
        .clone()
        .unwrap_or_else(|| format!("entry:{}", entry.id))
}

fn question_text(entry: &Entry) -> String {
    let mut text = entry.questions.join("\n");
    if let Some(item) = &entry.item {
        text.push('\n');
        text.push_str(item);
    }
    text
}

fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn idf(df: usize, n: usize) -> f32 {
    (1.0 + (n as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln()
}

/// A question cut for matching: topic words and bigrams, fillers removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CutQuestion {
    pub words: Vec<String>,
    pub bigrams: Vec<String>,
}

/// Cuts a question (after synonyms) into topic words and the bigrams of the runs between
/// fillers.
pub fn cut_question(text: &str) -> CutQuestion {
    let fillers: HashSet<&str> = FILLERS.iter().copied().collect();
    let jieba = analysis::jieba();
    let folded = analysis::fold(text);
    // Plain cut (not search mode) to find filler boundaries for the bigram runs.
    let mut runs = vec![String::new()];
    for token in jieba.cut(&folded, true) {
        let word = token.word.trim();
        if word.is_empty() || fillers.contains(word) || !word.chars().any(analysis::is_han_or_alnum)
        {
            runs.push(String::new());
        } else {
            runs.last_mut().expect("never empty").push_str(word);
        }
    }
    let mut words = Vec::new();
    let mut bigrams = Vec::new();
    for run in runs.iter().filter(|r| !r.is_empty()) {
        for word in analysis::words_with(&jieba, run) {
            if !fillers.contains(word.as_str()) && !words.contains(&word) {
                words.push(word);
            }
        }
        for bigram in analysis::bigrams(run) {
            if !bigrams.contains(&bigram) {
                bigrams.push(bigram);
            }
        }
    }
    CutQuestion { words, bigrams }
}

impl QaEngine {
    pub fn new(kb: KnowledgeBase, config: QaConfig) -> Result<QaEngine, SearchError> {
        let mut builder = Schema::builder();
        let fields = Fields {
            id: builder.add_u64_field("id", NumericOptions::default().set_stored()),
            question_words: builder.add_text_field("question_words", text_options("words")),
            question_bigrams: builder.add_text_field("question_bigrams", text_options("bigrams")),
            answer_words: builder.add_text_field("answer_words", text_options("words")),
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register("words", WordTokenizer::new());
        index.tokenizers().register("bigrams", BigramTokenizer);
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        let mut candidate_of = Vec::new();
        let mut candidate_terms: HashMap<String, (HashSet<String>, HashSet<String>)> =
            HashMap::new();
        for (number, entry) in kb.entries.iter().enumerate() {
            let questions = question_text(entry);
            writer.add_document(doc!(
                fields.id => number as u64,
                fields.question_words => questions.clone(),
                fields.question_bigrams => questions.clone(),
                fields.answer_words => entry.answer.clone(),
            ))?;
            let key = candidate_key(entry);
            let terms = candidate_terms.entry(key.clone()).or_default();
            for text in [&questions, &entry.answer] {
                terms.0.extend(analysis::words(text));
                terms.1.extend(analysis::bigrams(text));
            }
            candidate_of.push(key);
        }
        writer.commit()?;
        let reader = index.reader()?;
        let mut word_df: HashMap<String, usize> = HashMap::new();
        let mut bigram_df: HashMap<String, usize> = HashMap::new();
        for (words, bigrams) in candidate_terms.values() {
            for word in words {
                *word_df.entry(word.clone()).or_default() += 1;
            }
            for bigram in bigrams {
                *bigram_df.entry(bigram.clone()).or_default() += 1;
            }
        }
        let synonyms = Synonyms::bundled();
        let mut known_bigrams: HashSet<String> = bigram_df.keys().cloned().collect();
        let mut known_words: HashSet<String> = word_df.keys().cloned().collect();
        for phrase in synonyms.vocabulary() {
            known_bigrams.extend(analysis::bigrams(&phrase));
            known_words.extend(analysis::words(&phrase));
            known_words.insert(phrase);
        }
        Ok(QaEngine {
            kb,
            config,
            synonyms,
            known_bigrams,
            known_words,
            reader,
            fields,
            candidate_of,
            candidate_terms,
            word_df,
            bigram_df,
        })
    }

    pub fn config(&self) -> QaConfig {
        self.config
    }

    /// Changes only the refusal threshold (the index does not depend on it).
    pub fn set_threshold(&mut self, threshold: f32) {
        self.config.threshold = threshold;
    }

    pub fn knowledge_base(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// The question as matched: synonyms applied, cut, fillers removed.
    pub fn analyse(&self, question: &str) -> CutQuestion {
        let text = if self.config.synonyms {
            self.synonyms.apply(question)
        } else {
            analysis::fold(question)
        };
        cut_question(&text)
    }

    /// The topic words of a question as the resident wrote it (no synonyms; dictionary cut
    /// without guessing new words; fillers and single characters dropped), each with whether
    /// the knowledge base or the synonym table knows it: the word or one of its parts is in
    /// their vocabulary, or every bigram of it occurs there.
    pub fn scope_words(&self, question: &str) -> Vec<(String, bool)> {
        let fillers: HashSet<&str> = FILLERS.iter().copied().collect();
        let jieba = analysis::jieba();
        let folded = analysis::fold(question);
        let mut out: Vec<(String, bool)> = Vec::new();
        for token in jieba.cut(&folded, false) {
            let word = token.word.trim();
            if fillers.contains(word)
                || word
                    .chars()
                    .filter(|&c| analysis::is_han_or_alnum(c))
                    .count()
                    < 2
                || out.iter().any(|(w, _)| w == word)
            {
                continue;
            }
            let known = analysis::words_with(&jieba, word)
                .iter()
                .any(|part| part.chars().count() >= 2 && self.known_words.contains(part))
                || analysis::bigrams(word)
                    .iter()
                    .all(|bigram| self.known_bigrams.contains(bigram));
            out.push((word.to_owned(), known));
        }
        out
    }

    /// Share of the question's own topic words that the knowledge base or the synonym table
    /// knows (1 when it has none).
    pub fn known_share(&self, question: &str) -> f32 {
        let words = self.scope_words(question);
        if words.is_empty() {
            return 1.0;
        }
        words.iter().filter(|(_, known)| *known).count() as f32 / words.len() as f32
    }

    /// (matched IDF mass, coverage share) of a candidate for a cut question.
    fn evidence(&self, cut: &CutQuestion, key: &str) -> (f32, f32) {
        let n = self.candidate_terms.len();
        let Some((words, bigrams)) = self.candidate_terms.get(key) else {
            return (0.0, 0.0);
        };
        let coverage = |terms: &[String], have: &HashSet<String>, df: &HashMap<String, usize>| {
            let (mut matched, mut total) = (0.0f32, 0.0f32);
            for term in terms {
                let weight = idf(df.get(term).copied().unwrap_or(0), n);
                total += weight;
                if have.contains(term) {
                    matched += weight;
                }
            }
            (matched, total)
        };
        let w = self.config.word_weight;
        let (word_matched, word_total) = coverage(&cut.words, words, &self.word_df);
        let (bigram_matched, bigram_total) = coverage(&cut.bigrams, bigrams, &self.bigram_df);
        let share = |m: f32, t: f32| if t == 0.0 { 0.0 } else { m / t };
        (
            w * word_matched + (1.0 - w) * bigram_matched,
            w * share(word_matched, word_total) + (1.0 - w) * share(bigram_matched, bigram_total),
        )
    }

    /// Answers a question in the contract's shape (top 3 candidates when answered).
    pub fn ask(&self, question: &str) -> Reply {
        let ranked = self.rank(question, 3);
        reply(self, &ranked)
    }
}

/// Builds the contract reply from a ranking.
pub fn reply(ranker: &dyn Ranker, ranked: &[Ranked]) -> Reply {
    let answered = ranked.first().is_some_and(|best| ranker.accepts(best));
    if !answered {
        return Reply {
            answered: false,
            answers: vec![Answer {
                text: REFUSAL.to_owned(),
                score: ranked.first().map(|r| r.confidence).unwrap_or(0.0),
                sources: Vec::new(),
            }],
        };
    }
    let answers = ranked
        .iter()
        .map(|r| {
            let entry = &ranker.entries()[r.entry];
            Answer {
                text: entry.answer.clone(),
                score: (r.confidence * 1000.0).round() / 1000.0,
                sources: vec![Source {
                    item: entry.item.clone(),
                    title: entry.source.clone(),
                }],
            }
        })
        .collect();
    Reply { answered, answers }
}

impl Ranker for QaEngine {
    fn rank(&self, question: &str, limit: usize) -> Vec<Ranked> {
        let cut = self.analyse(question);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut add = |field: Field, text: &str, boost: f32| {
            let query = TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), boost)),
            ));
        };
        for word in &cut.words {
            add(self.fields.question_words, word, self.config.word_boost);
            add(self.fields.answer_words, word, self.config.answer_boost);
        }
        for bigram in &cut.bigrams {
            add(
                self.fields.question_bigrams,
                bigram,
                self.config.bigram_boost,
            );
        }
        if clauses.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(60).order_by_score(),
            )
            .unwrap_or_default();
        let mut best: Vec<(String, usize, f32)> = Vec::new();
        for (score, address) in hits {
            let Ok(document) = searcher.doc::<TantivyDocument>(address) else {
                continue;
            };
            let Some(number) = document.get_first(self.fields.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let number = number as usize;
            let key = &self.candidate_of[number];
            if !best.iter().any(|(k, _, _)| k == key) {
                best.push((key.clone(), number, score));
            }
        }
        let known_share = self.known_share(question);
        best.into_iter()
            .take(limit)
            .map(|(key, entry, bm25)| {
                let (matched, coverage) = self.evidence(&cut, &key);
                Ranked {
                    entry,
                    bm25,
                    confidence: matched / (matched + self.config.half_evidence),
                    matched,
                    coverage,
                    known_share,
                }
            })
            .collect()
    }

    fn accepts(&self, best: &Ranked) -> bool {
        best.confidence >= self.config.threshold
            && best.known_share > self.config.max_unknown_known_share
    }

    fn entries(&self) -> &[Entry] {
        &self.kb.entries
    }
}

/// The obvious baseline: plain BM25 over jieba tokens (bundled dictionary, no synonyms, no
/// bigrams) on the same knowledge base; it answers whenever anything matches.
pub struct Baseline {
    kb: KnowledgeBase,
    reader: IndexReader,
    id: Field,
    text: Field,
}

impl Baseline {
    pub fn new(kb: KnowledgeBase) -> Result<Baseline, SearchError> {
        let mut builder = Schema::builder();
        let id = builder.add_u64_field("id", NumericOptions::default().set_stored());
        let text = builder.add_text_field("text", text_options("plain"));
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register("plain", WordTokenizer::plain());
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for (number, entry) in kb.entries.iter().enumerate() {
            writer.add_document(doc!(
                id => number as u64,
                text => format!("{}\n{}", question_text(entry), entry.answer),
            ))?;
        }
        writer.commit()?;
        Ok(Baseline {
            reader: index.reader()?,
            kb,
            id,
            text,
        })
    }
}

impl Ranker for Baseline {
    fn rank(&self, question: &str, limit: usize) -> Vec<Ranked> {
        let words = analysis::words_with(&analysis::plain_jieba(), question);
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|word| {
                let query: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.text, word),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, query)
            })
            .collect();
        if clauses.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(60).order_by_score(),
            )
            .unwrap_or_default();
        let mut seen = HashSet::new();
        let mut ranked = Vec::new();
        for (score, address) in hits {
            let Some(number) = searcher
                .doc::<TantivyDocument>(address)
                .ok()
                .and_then(|d| d.get_first(self.id).and_then(|v| v.as_u64()))
            else {
                continue;
            };
            let number = number as usize;
            if seen.insert(candidate_key(&self.kb.entries[number])) {
                ranked.push(Ranked {
                    entry: number,
                    bm25: score,
                    confidence: score,
                    matched: score,
                    coverage: 1.0,
                    known_share: 1.0,
                });
            }
            if ranked.len() == limit {
                break;
            }
        }
        ranked
    }

    fn accepts(&self, best: &Ranked) -> bool {
        best.bm25 > 0.0
    }

    fn entries(&self) -> &[Entry] {
        &self.kb.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yibao_domain::Catalog;

    fn engine() -> QaEngine {
        let catalog = Catalog::jiangsu_2022();
        QaEngine::new(KnowledgeBase::default_for(&catalog), QaConfig::default()).unwrap()
    }

    fn top_item(engine: &QaEngine, question: &str) -> Option<String> {
        let reply = engine.ask(question);
        reply
            .answered
            .then(|| reply.answers[0].sources[0].item.clone())
            .flatten()
    }

    #[test]
    fn an_unspaced_question_is_not_an_exact_phrase() {
        let engine = engine();
        assert_eq!(
            top_item(&engine, "异地就医备案长期居住要带什么材料").as_deref(),
            Some("异地长期居住人员备案")
        );
    }

    #[test]
    fn everyday_wording_finds_the_policy_item() {
        let engine = engine();
        assert_eq!(
            top_item(&engine, "在外地住院花的钱回来咋手工报销").as_deref(),
            Some("住院费用报销")
        );
    }

    #[test]
    fn a_question_outside_the_knowledge_base_is_refused() {
        let engine = engine();
        let reply = engine.ask("养老金今年涨了多少");
        assert!(!reply.answered, "{reply:?}");
        assert!(reply.answers[0].text.contains(HOTLINE));
        assert!(reply.answers[0].sources.is_empty());
    }

    #[test]
    fn a_question_mostly_about_things_the_knowledge_base_never_mentions_is_refused() {
        let engine = engine();
        let words = engine.scope_words("摩托车驾照考试要准备啥材料");
        assert!(words.contains(&("摩托车".to_owned(), false)), "{words:?}");
        assert!(words.contains(&("材料".to_owned(), true)), "{words:?}");
        assert!(!engine.ask("摩托车驾照考试要准备啥材料").answered);
        assert_eq!(engine.known_share("异地就医备案要带啥材料"), 1.0);
    }

    #[test]
    fn filler_words_are_dropped_from_the_question() {
        let cut = cut_question("请问一下我想问问异地就医怎么办啊");
        assert!(cut.words.contains(&"异地就医".to_owned()), "{cut:?}");
        assert!(
            !cut.words.iter().any(|w| w == "请问" || w == "怎么办"),
            "{cut:?}"
        );
        assert!(!cut.bigrams.contains(&"医怎".to_owned()), "{cut:?}");
    }
}
