//! `yibao qa`: the policy Q&A from the command line — `ask` answers one question in the API's
//! JSON shape (or as plain Chinese text), `eval` measures the Q&A (and with `--baseline` plain
//! BM25 over jieba tokens) on a labelled JSON-lines set, `kb` writes the default knowledge base
//! for editing. The knowledge base is generated from the bundled catalog plus the hand-written
//! entries unless `--kb` names an edited one (Markdown or JSON).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use yibao_domain::Catalog;
use yibao_search::eval::{Case, Report, evaluate, read_cases};
use yibao_search::{Baseline, KnowledgeBase, QaConfig, QaEngine, Reply};

#[derive(Subcommand)]
pub enum QaCommand {
    /// 回答一个问题
    Ask(AskArgs),
    /// 在标注集上评测首位准确率、前 3 召回率、MRR 与超范围拒答
    Eval(EvalArgs),
    /// 导出知识库（Markdown 或 JSON）供编辑；改好后用 --kb 传回
    Kb(KbArgs),
}

#[derive(Args)]
pub struct KbSource {
    /// 使用编辑过的知识库（`.md` 或 `.json`），代替内置知识库
    #[arg(long, value_name = "FILE", env = "YIBAO_QA_KB")]
    kb: Option<PathBuf>,
}

#[derive(Args)]
pub struct AskArgs {
    /// 问题（按群众的说法）
    question: String,
    /// 以 JSON 输出：`{"answered", "answers": [{"text", "score", "sources": [{"item", "title"}]}]}`
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    kb: KbSource,
}

#[derive(Args)]
pub struct EvalArgs {
    /// 标注集，JSON 行：`{"question": "…", "expected_item": "<子项名称>" | null}`
    #[arg(long, value_name = "FILE")]
    set: PathBuf,
    /// 同时在同一知识库上运行基线（jieba 分词加 BM25）
    #[arg(long)]
    baseline: bool,
    /// 以 JSON 输出各项指标
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    kb: KbSource,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KbFormat {
    Markdown,
    Json,
}

#[derive(Args)]
pub struct KbArgs {
    /// 格式
    #[arg(long, value_enum, default_value = "markdown")]
    format: KbFormat,
    /// 输出文件
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn qa_command(command: &QaCommand) -> Result<()> {
    let catalog = Catalog::jiangsu_2022();
    match command {
        QaCommand::Ask(args) => {
            let question = args.question.trim();
            if question.is_empty() {
                bail!("问题不能为空");
            }
            let engine = QaEngine::new(load_kb(&args.kb, &catalog)?, QaConfig::default())?;
            let reply = engine.ask(question);
            if args.json {
                println!("{}", serde_json::to_string_pretty(&reply)?);
            } else {
                print!("{}", reply_text(&reply));
            }
            Ok(())
        }
        QaCommand::Eval(args) => {
            let cases = read_set(&args.set, &catalog)?;
            let kb = load_kb(&args.kb, &catalog)?;
            let ours = evaluate(&QaEngine::new(kb.clone(), QaConfig::default())?, &cases);
            let baseline = if args.baseline {
                Some(evaluate(&Baseline::new(kb)?, &cases))
            } else {
                None
            };
            if args.json {
                let value = serde_json::json!({ "qa": ours, "baseline": baseline });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print!("{}", eval_table(&ours, baseline.as_ref()));
            }
            Ok(())
        }
        QaCommand::Kb(args) => {
            let kb = KnowledgeBase::default_for(&catalog);
            let text = match args.format {
                KbFormat::Markdown => kb.to_markdown(),
                KbFormat::Json => kb.to_json(),
            };
            std::fs::write(&args.out, text)
                .with_context(|| format!("无法写入“{}”", args.out.display()))?;
            println!(
                "已写出知识库 {} 条到 {}",
                kb.entries.len(),
                args.out.display()
            );
            Ok(())
        }
    }
}

/// The default knowledge base, or an edited one from a Markdown or JSON file.
fn load_kb(source: &KbSource, catalog: &Catalog) -> Result<KnowledgeBase> {
    let Some(path) = &source.kb else {
        return Ok(KnowledgeBase::default_for(catalog));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取知识库“{}”", path.display()))?;
    let kb = if path.extension().is_some_and(|e| e == "json") {
        KnowledgeBase::from_json(&text, catalog)
    } else {
        KnowledgeBase::from_markdown(&text, catalog)
    }
    .map_err(|e| anyhow!("{}：{e}", path.display()))?;
    if kb.entries.is_empty() {
        bail!("知识库“{}”中没有条目", path.display());
    }
    Ok(kb)
}

/// Reads a labelled set; a bad line or an item missing from the catalog is named by line.
fn read_set(path: &Path, catalog: &Catalog) -> Result<Vec<Case>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取评测集“{}”", path.display()))?;
    let cases = read_cases(&text).map_err(|e| anyhow!("{}：{e}", path.display()))?;
    let mut line_numbers = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, _)| number + 1);
    for case in &cases {
        let line = line_numbers.next().unwrap_or(0);
        if case.question.trim().is_empty() {
            bail!("{}：第 {line} 行的问题为空", path.display());
        }
        if let Some(item) = &case.expected_item
            && !catalog.items.iter().any(|i| &i.name == item)
        {
            bail!(
                "{}：第 {line} 行的预期事项“{item}”不在事项清单中",
                path.display()
            );
        }
    }
    if cases.is_empty() {
        bail!("评测集“{}”中没有问题", path.display());
    }
    Ok(cases)
}

/// The reply as a resident reads it.
fn reply_text(reply: &Reply) -> String {
    let mut out = String::new();
    if !reply.answered {
        out.push_str(&reply.answers[0].text);
        out.push('\n');
        return out;
    }
    for (rank, answer) in reply.answers.iter().enumerate() {
        if rank == 0 {
            out.push_str(&format!("{}\n", answer.text));
        } else {
            if rank == 1 {
                out.push_str("\n您可能还想问：\n");
            }
            let first_line = answer.text.lines().next().unwrap_or("");
            out.push_str(&format!("  · {first_line}\n"));
        }
        for source in &answer.sources {
            let item = source
                .item
                .as_deref()
                .map(|item| format!("（事项：{item}）"))
                .unwrap_or_default();
            if rank == 0 {
                out.push_str(&format!(
                    "来源：{}{item}  可信度 {:.0}%\n",
                    source.title,
                    answer.score * 100.0
                ));
            }
        }
    }
    out
}

/// Pads `text` on the right to `width` terminal columns (CJK characters take two).
fn pad(text: &str, width: usize) -> String {
    let columns: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Reads one figure of a report as text.
type Figure = fn(&Report) -> String;

/// The figures as a Chinese table, the baseline side by side.
fn eval_table(ours: &Report, baseline: Option<&Report>) -> String {
    let mut out = format!(
        "评测集：{} 个问题（范围内 {}，范围外 {}）\n",
        ours.questions, ours.in_scope, ours.out_of_scope
    );
    let rows: [(&str, Figure); 5] = [
        ("首条命中率 top-1", |r| percent(r.top1)),
        ("前三召回率 recall@3", |r| percent(r.recall_at_3)),
        ("平均倒数排名 MRR", |r| format!("{:.3}", r.mrr)),
        ("范围外拒答率", |r| percent(r.refusal)),
        ("范围内被拒答", |r| r.refused_in_scope.to_string()),
    ];
    match baseline {
        None => {
            out.push_str(&format!("{}智能问答\n", pad("指标", 24)));
            for (label, value) in rows {
                out.push_str(&format!("{}{}\n", pad(label, 24), value(ours)));
            }
        }
        Some(baseline) => {
            out.push_str(&format!(
                "{}{}{}\n",
                pad("指标", 24),
                pad("智能问答", 12),
                "基线 BM25"
            ));
            for (label, value) in rows {
                out.push_str(&format!(
                    "{}{}{}\n",
                    pad(label, 24),
                    pad(&value(ours), 12),
                    value(baseline)
                ));
            }
            out.push_str(&format!(
                "top-1 差距：{:+.1} 个百分点\n",
                (ours.top1 - baseline.top1) * 100.0
            ));
        }
    }
    out
}
