//! The policy Q&A (智能问答) use cases: the engine built once per process from the stored
//! catalog (the bundled one when none is stored) and its knowledge base, asking with the
//! refusals logged for editors, and the editors' list of unanswered questions.

use std::sync::Arc;

use tokio::sync::RwLock;
use yibao_domain::Catalog;
use yibao_search::{KnowledgeBase, QaConfig, QaEngine, Reply};
use yibao_store::{Page, PageRequest, UnansweredQuestion};

use crate::AppState;
use crate::error::ApiError;

/// The longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 200;

/// The engine, built on first use.
#[derive(Default)]
pub struct QaState {
    engine: RwLock<Option<Arc<QaEngine>>>,
}

/// A reply with what the pages and the API add to each source: the item's code for the guide
/// link (`/catalog/{code}`) and the nearest stations that handle it (`/where?item=…`).
#[derive(Debug, Clone)]
pub struct AskOutcome {
    pub reply: Reply,
    /// Per answer, the item code of its first source, if it names a catalog item.
    pub item_codes: Vec<Option<String>>,
}

impl QaState {
    /// The engine, building it from the stored catalog on first use.
    pub async fn engine(&self, state: &AppState) -> Result<Arc<QaEngine>, ApiError> {
        if let Some(engine) = self.engine.read().await.as_ref() {
            return Ok(engine.clone());
        }
        let mut slot = self.engine.write().await;
        if let Some(engine) = slot.as_ref() {
            return Ok(engine.clone());
        }
        let catalog = match crate::app::catalog::export(&state.store).await {
            Ok(catalog) if !catalog.items.is_empty() => catalog,
            _ => Catalog::jiangsu_2022(),
        };
        let engine = tokio::task::spawn_blocking(move || {
            QaEngine::new(KnowledgeBase::default_for(&catalog), QaConfig::default())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let engine = Arc::new(engine);
        *slot = Some(engine.clone());
        Ok(engine)
    }

    /// Drops the engine so the next question rebuilds it (after the catalog changed).
    pub async fn reload(&self) {
        *self.engine.write().await = None;
    }
}

/// Answers a resident's question; a refusal is logged for editors with its `channel`.
pub async fn ask(state: &AppState, question: &str, channel: &str) -> Result<AskOutcome, ApiError> {
    let question = question.trim();
    if question.is_empty() {
        return Err(ApiError::validation(
            "请输入您要咨询的问题",
            vec![field_problem("问题不能为空")],
        ));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::validation(
            format!("问题太长了，请控制在 {MAX_QUESTION_CHARS} 字以内"),
            vec![field_problem(format!("不超过 {MAX_QUESTION_CHARS} 字"))],
        ));
    }
    let engine = state.qa.engine(state).await?;
    let reply = engine.ask(question);
    if !reply.answered {
        let confidence = reply.answers.first().map(|a| a.score).unwrap_or(0.0);
        state
            .store
            .log_unanswered(question, f64::from(confidence), channel)
            .await?;
    }
    let entries = &engine.knowledge_base().entries;
    let item_codes = reply
        .answers
        .iter()
        .map(|answer| {
            let item = answer.sources.first()?.item.as_ref()?;
            entries
                .iter()
                .find(|entry| entry.item.as_ref() == Some(item))
                .and_then(|entry| entry.item_code.clone())
        })
        .collect();
    Ok(AskOutcome { reply, item_codes })
}

fn field_problem(message: impl Into<String>) -> crate::error::ProblemField {
    crate::error::ProblemField {
        field: "question".to_owned(),
        message: message.into(),
        line: None,
    }
}

/// The refused questions, newest first (any signed-in staff; editors read it).
pub async fn unanswered(
    state: &AppState,
    page: PageRequest,
) -> Result<Page<UnansweredQuestion>, ApiError> {
    Ok(state.store.list_unanswered(page).await?)
}
