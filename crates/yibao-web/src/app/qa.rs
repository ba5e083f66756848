//! The policy Q&A (智能问答) use cases: the engine built once per process from the knowledge
//! base — generated from the stored catalog (the bundled one when none is stored), the bundled
//! hand-written entries, and the entries staff edited, which replace those with the same id or
//! add to them —, asking with the refusals logged for editors, the editors' list of
//! unanswered questions, and editing entries (the engine is rebuilt on the next question).

use std::sync::Arc;

use tokio::sync::RwLock;
use yibao_domain::Catalog;
use yibao_search::{Entry, KnowledgeBase, QaConfig, QaEngine, Reply};
use yibao_store::{Page, PageRequest, Role, UnansweredQuestion};

use crate::AppState;
use crate::app::Actor;
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
        let kb = knowledge_base(state).await?;
        let engine = tokio::task::spawn_blocking(move || QaEngine::new(kb, QaConfig::default()))
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
    let mut reply = engine.ask(question);
    if !reply.answered {
        let confidence = reply.answers.first().map(|a| a.score).unwrap_or(0.0);
        state
            .store
            .log_unanswered(question, f64::from(confidence), channel)
            .await?;
        if let Some(refusal) = reply.answers.first_mut() {
            refusal.text.push_str(yibao_search::REFUSAL_LOGGED);
        }
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

/// The catalog the knowledge base is generated from.
async fn catalog(state: &AppState) -> Catalog {
    match crate::app::catalog::export(&state.store).await {
        Ok(catalog) if !catalog.items.is_empty() => catalog,
        _ => Catalog::jiangsu_2022(),
    }
}

/// One entry as the editors see it: where it comes from and the version to save against.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub entry: Entry,
    /// The stored version when staff edited it; `None` for a generated or bundled entry.
    pub version: Option<i64>,
    pub updated_by: Option<String>,
}

/// The whole knowledge base with the edits applied, generated entries first.
pub async fn entries(state: &AppState) -> Result<Vec<EntryView>, ApiError> {
    let catalog = catalog(state).await;
    let mut views: Vec<EntryView> = KnowledgeBase::default_for(&catalog)
        .entries
        .into_iter()
        .map(|entry| EntryView {
            entry,
            version: None,
            updated_by: None,
        })
        .collect();
    for stored in state.store.kb_entries().await? {
        let mut entry: Entry = match serde_json::from_str(&stored.body) {
            Ok(entry) => entry,
            Err(error) => {
                tracing::error!(%error, id = %stored.id, "a stored knowledge-base entry is unreadable");
                continue;
            }
        };
        entry.item_code = entry.item.as_ref().and_then(|name| {
            catalog
                .items
                .iter()
                .find(|item| &item.name == name)
                .map(|item| item.code.clone())
        });
        let view = EntryView {
            entry,
            version: Some(stored.version),
            updated_by: Some(stored.updated_by),
        };
        match views.iter_mut().find(|v| v.entry.id == stored.id) {
            Some(slot) => *slot = view,
            None => views.push(view),
        }
    }
    Ok(views)
}

async fn knowledge_base(state: &AppState) -> Result<KnowledgeBase, ApiError> {
    Ok(KnowledgeBase {
        entries: entries(state).await?.into_iter().map(|v| v.entry).collect(),
    })
}

/// An edit of one entry, as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub id: String,
    /// The ways residents ask it; the first is the title.
    pub questions: Vec<String>,
    pub answer: String,
    pub source: String,
    /// A catalog sub-item name, or empty.
    pub item: Option<String>,
    /// The version read, for an entry staff already edited.
    pub version: Option<i64>,
}

fn field(field: &str, message: impl Into<String>) -> crate::error::ProblemField {
    crate::error::ProblemField {
        field: field.to_owned(),
        message: message.into(),
        line: None,
    }
}

/// Saves an edited or new entry (bureau administrators and county staff) with its audit row;
/// the engine is rebuilt on the next question. Returns the new version.
pub async fn save_entry(
    state: &AppState,
    actor: &Actor,
    input: &EntryInput,
) -> Result<i64, ApiError> {
    if !(actor.role.is_admin() || actor.role == Role::County) {
        return Err(ApiError::forbidden(
            "只有医保局管理员或县级经办人员可以编辑政策知识库",
        ));
    }
    let mut problems = Vec::new();
    let id = input.id.trim();
    if id.is_empty() || id.chars().count() > 80 {
        problems.push(field("id", "条目编号不能为空，且不超过 80 个字"));
    }
    let questions: Vec<String> = input
        .questions
        .iter()
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .collect();
    if questions.is_empty() {
        problems.push(field("questions", "至少填写一种问法"));
    }
    if input.answer.trim().is_empty() {
        problems.push(field("answer", "答案不能为空"));
    }
    if input.source.trim().is_empty() {
        problems.push(field("source", "请注明答案的来源"));
    }
    let item = input
        .item
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(str::to_owned);
    let catalog = catalog(state).await;
    if let Some(name) = &item
        && !catalog.items.iter().any(|i| &i.name == name)
    {
        problems.push(field("item", format!("事项“{name}”不在事项清单中")));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation("知识库条目填写有误", problems));
    }
    let entry = Entry {
        id: id.to_owned(),
        questions,
        answer: input.answer.trim().to_owned(),
        source: input.source.trim().to_owned(),
        item,
        item_code: None,
    };
    let body = serde_json::to_string(&entry).map_err(ApiError::internal)?;
    let audit = actor
        .audit("qa.kb.save", "kb_entry", id)
        .detail(serde_json::json!({ "title": entry.title(), "item": entry.item }));
    let version = state
        .store
        .save_kb_entry(id, &body, input.version, &actor.username, &audit)
        .await?;
    state.qa.reload().await;
    Ok(version)
}
