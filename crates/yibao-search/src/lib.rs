//! Chinese search for Yibao Circle, offline: the analysis shared by everything (jieba with a
//! medical-insurance dictionary plus character bigrams), the policy knowledge base and Q&A
//! with its plain-BM25 baseline and evaluation.
//!
//! Pure apart from the index directory it is given: no async runtime, SQL or HTTP.

pub mod analysis;
pub mod archive;
pub mod archive_file;
mod at_least;
pub mod eval;
pub mod kb;
pub mod qa;
pub mod synonyms;

pub use kb::{Entry, KnowledgeBase};
pub use qa::{
    Answer, Baseline, QaConfig, QaEngine, REFUSAL, REFUSAL_LOGGED, Ranker, Reply, Source,
};
pub use synonyms::Synonyms;

/// Errors of the search crate; messages are Chinese and shown to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("知识库有误：{0}")]
    KnowledgeBase(String),
    #[error("评测集有误：{0}")]
    EvalSet(String),
    #[error("索引出错：{0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("索引目录出错：{0}")]
    Directory(String),
}

impl SearchError {
    /// The index directory is held by another writer (a running server, another import).
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            SearchError::Index(tantivy::TantivyError::LockFailure(..))
        )
    }
}
