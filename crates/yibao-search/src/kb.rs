//! The policy knowledge base (政策知识库): entries of question variants, an answer, its source
//! and the catalog item it belongs to. Staff edit it as Markdown or JSON; a default one is
//! generated from the catalog (who may apply, where down to the level, materials, time limit,
//! channels) and completed by hand-written entries for common questions (`data/kb.md`).

use serde::{Deserialize, Serialize};
use yibao_domain::{Catalog, RegionLevel, ServiceItem, TimeLimit};

use crate::SearchError;

/// Hand-written entries bundled with the binary.
pub const HAND_WRITTEN_MARKDOWN: &str = include_str!("../data/kb.md");

/// One knowledge-base entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable key, e.g. `JS-13.materials` or `hand.起付线`.
    pub id: String,
    /// The ways residents ask it; the first is the title.
    pub questions: Vec<String>,
    pub answer: String,
    /// Where the answer comes from (guide, rule, bureau notice).
    pub source: String,
    /// The catalog sub-item name the entry is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// That item's code, which the guide page link uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
}

impl Entry {
    pub fn title(&self) -> &str {
        self.questions.first().map(String::as_str).unwrap_or("")
    }

    fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("条目编号不能为空".to_owned());
        }
        if self.questions.iter().all(|q| q.trim().is_empty()) {
            return Err(format!("条目“{}”至少应有一个问法", self.id));
        }
        if self.answer.trim().is_empty() {
            return Err(format!("条目“{}”的答案不能为空", self.id));
        }
        if self.source.trim().is_empty() {
            return Err(format!("条目“{}”应注明来源", self.id));
        }
        Ok(())
    }
}

/// A whole knowledge base.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeBase {
    pub entries: Vec<Entry>,
}

impl KnowledgeBase {
    /// Entries generated from the catalog plus the bundled hand-written ones.
    pub fn default_for(catalog: &Catalog) -> KnowledgeBase {
        let mut entries = from_catalog(catalog);
        let hand = KnowledgeBase::from_markdown(HAND_WRITTEN_MARKDOWN, catalog)
            .expect("the bundled knowledge base is valid");
        entries.extend(hand.entries);
        KnowledgeBase { entries }
    }

    /// Checks every entry, that ids are unique and that linked items exist in the catalog.
    pub fn validate(&self, catalog: &Catalog) -> Result<(), SearchError> {
        let mut seen = std::collections::HashSet::new();
        for entry in &self.entries {
            entry.validate().map_err(SearchError::KnowledgeBase)?;
            if !seen.insert(entry.id.as_str()) {
                return Err(SearchError::KnowledgeBase(format!(
                    "条目编号“{}”重复",
                    entry.id
                )));
            }
            if let Some(item) = &entry.item
                && !catalog.items.iter().any(|i| &i.name == item)
            {
                return Err(SearchError::KnowledgeBase(format!(
                    "条目“{}”关联的事项“{item}”不在事项清单中",
                    entry.id
                )));
            }
        }
        Ok(())
    }

    /// Reads the JSON form (`{"entries": [...]}` or a bare array).
    pub fn from_json(text: &str, catalog: &Catalog) -> Result<KnowledgeBase, SearchError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| SearchError::KnowledgeBase(format!("JSON 格式错误：{e}")))?;
        let mut kb: KnowledgeBase = if value.is_array() {
            KnowledgeBase {
                entries: serde_json::from_value(value)
                    .map_err(|e| SearchError::KnowledgeBase(format!("条目格式错误：{e}")))?,
            }
        } else {
            serde_json::from_value(value)
                .map_err(|e| SearchError::KnowledgeBase(format!("条目格式错误：{e}")))?
        };
        link_codes(&mut kb, catalog);
        kb.validate(catalog)?;
        Ok(kb)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("entries always serialise")
    }

    /// Reads the Markdown form:
    ///
    /// ```text
    /// ## 标题问法
    /// 编号：hand.qifuxian      (optional; defaults to the title)
    /// 问：另一种问法
    /// 事项：住院费用报销        (optional catalog sub-item name)
    /// 来源：…
    /// 答案段落……
    /// ```
    pub fn from_markdown(text: &str, catalog: &Catalog) -> Result<KnowledgeBase, SearchError> {
        let mut entries = Vec::new();
        let mut current: Option<(usize, Entry)> = None;
        let finish = |current: Option<(usize, Entry)>,
                      entries: &mut Vec<Entry>|
         -> Result<(), SearchError> {
            if let Some((line, mut entry)) = current {
                entry.answer = entry.answer.trim().to_owned();
                entry
                    .validate()
                    .map_err(|why| SearchError::KnowledgeBase(format!("第 {line} 行：{why}")))?;
                entries.push(entry);
            }
            Ok(())
        };
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if let Some(title) = trimmed.strip_prefix("## ") {
                finish(current.take(), &mut entries)?;
                let title = title.trim().to_owned();
                current = Some((
                    number + 1,
                    Entry {
                        id: title.clone(),
                        questions: vec![title],
                        answer: String::new(),
                        source: String::new(),
                        item: None,
                        item_code: None,
                    },
                ));
                continue;
            }
            let Some((_, entry)) = current.as_mut() else {
                continue; // preamble before the first entry
            };
            if let Some(value) = field(trimmed, "编号") {
                entry.id = value;
            } else if let Some(value) = field(trimmed, "问") {
                entry.questions.push(value);
            } else if let Some(value) = field(trimmed, "事项") {
                entry.item = Some(value).filter(|v| !v.is_empty() && v != "无");
            } else if let Some(value) = field(trimmed, "来源") {
                entry.source = value;
            } else {
                let body = field(trimmed, "答").unwrap_or_else(|| trimmed.to_owned());
                if !entry.answer.is_empty() || !body.is_empty() {
                    entry.answer.push_str(&body);
                    entry.answer.push('\n');
                }
            }
        }
        finish(current, &mut entries)?;
        let mut kb = KnowledgeBase { entries };
        link_codes(&mut kb, catalog);
        kb.validate(catalog)?;
        Ok(kb)
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# 政策知识库\n\n");
        for entry in &self.entries {
            out.push_str(&format!("## {}\n编号：{}\n", entry.title(), entry.id));
            for question in entry.questions.iter().skip(1) {
                out.push_str(&format!("问：{question}\n"));
            }
            if let Some(item) = &entry.item {
                out.push_str(&format!("事项：{item}\n"));
            }
            out.push_str(&format!("来源：{}\n\n{}\n\n", entry.source, entry.answer));
        }
        out
    }
}

fn field(line: &str, name: &str) -> Option<String> {
    let rest = line.strip_prefix("- ").unwrap_or(line).strip_prefix(name)?;
    let rest = rest.strip_prefix('：').or_else(|| rest.strip_prefix(':'))?;
    Some(rest.trim().to_owned())
}

fn link_codes(kb: &mut KnowledgeBase, catalog: &Catalog) {
    for entry in &mut kb.entries {
        entry.item_code = entry.item.as_ref().and_then(|name| {
            catalog
                .items
                .iter()
                .find(|i| &i.name == name)
                .map(|i| i.code.clone())
        });
    }
}

fn level_label(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "省级",
        RegionLevel::City => "设区市",
        RegionLevel::County => "县（市、区）",
        RegionLevel::Town => "乡镇（街道）",
        RegionLevel::Village => "村（社区）",
    }
}

/// Where an item is handled, down to the level.
pub fn where_text(item: &ServiceItem) -> String {
    let mut levels = item.levels.clone();
    levels.sort();
    let names: Vec<&str> = levels.iter().map(|l| level_label(*l)).collect();
    let lowest = item.lowest_level();
    let mut text = format!("{}医保经办机构或医保服务站点可以直接办结", names.join("、"));
    let below: Vec<&str> = [RegionLevel::Town, RegionLevel::Village]
        .into_iter()
        .filter(|l| *l > lowest)
        .map(level_label)
        .collect();
    if !below.is_empty() {
        text.push_str(&format!(
            "；{}医保服务点可以受理、初审后转上级办结，不用跑远路",
            below.join("、")
        ));
    }
    text.push('。');
    text
}

fn materials_text(item: &ServiceItem) -> String {
    let mut lines = Vec::new();
    for (n, material) in item.materials.iter().enumerate() {
        let mut line = format!("{}. {}", n + 1, material.name);
        if let Some(note) = &material.note {
            line.push_str(&format!("（{note}）"));
        }
        if !material.required {
            line.push_str("〔视情况提供〕");
        }
        if material.e_certificate {
            line.push_str("〔可用电子证照代替纸质材料〕");
        }
        lines.push(line);
    }
    lines.join("\n")
}

fn time_text(item: &ServiceItem) -> String {
    match item.time_limit {
        TimeLimit::Instant => "材料齐全的当场办结（即时办结）。".to_owned(),
        TimeLimit::WorkingDays(days) => format!("办理时限为{days}个工作日。"),
    }
}

fn channels_text(item: &ServiceItem) -> String {
    let labels: Vec<&str> = item.channels.iter().map(|c| c.label()).collect();
    let mut text = format!("办理渠道：{}。", labels.join("、"));
    if item.proxy_allowed {
        text.push_str("可以委托他人代办，代办须带委托人、受托人有效身份证件及书面委托书。");
    }
    if item.minor_missing_pledge {
        text.push_str("次要材料暂缺的，可书面承诺后容缺受理。");
    }
    text
}

/// The entries generated from a catalog: per item an overview and one entry for each of who,
/// where, materials, time limit and channels.
pub fn from_catalog(catalog: &Catalog) -> Vec<Entry> {
    let source_of = |item: &ServiceItem| format!("{}·{}", catalog.catalog.name, item.name);
    let mut entries = Vec::new();
    for item in &catalog.items {
        let name = &item.name;
        let bare = name.trim_start_matches("出具").replace(['《', '》'], "");
        let mut push = |facet: &str, questions: Vec<String>, answer: String| {
            entries.push(Entry {
                id: format!("{}.{facet}", item.code),
                questions,
                answer,
                source: source_of(item),
                item: Some(name.clone()),
                item_code: Some(item.code.clone()),
            });
        };
        push(
            "overview",
            vec![
                name.clone(),
                format!("怎么办理{bare}"),
                format!("{}{bare}", item.main_item),
                format!("{}办理{bare}", item.applicant),
            ],
            format!(
                "{name}（{}，类别：{}）。申请人：{}。办理地点：{}{}\n申请材料：\n{}\n{}",
                item.main_item,
                item.category,
                item.applicant,
                where_text(item),
                time_text(item),
                materials_text(item),
                channels_text(item),
            ),
        );
        push(
            "who",
            vec![
                format!("谁可以申请{bare}"),
                format!("{bare}申请条件 申请人 什么人能办"),
            ],
            format!("{name}的申请人是{}。", item.applicant),
        );
        push(
            "where",
            vec![
                format!("{bare}在哪里办 办理地点"),
                format!("{bare}村里社区镇上能不能办"),
            ],
            format!("{name}：{}", where_text(item)),
        );
        push(
            "materials",
            vec![
                format!("{bare}需要什么申请材料"),
                format!("{bare}要带哪些证件资料"),
            ],
            format!("办理{name}需要：\n{}", materials_text(item)),
        );
        push(
            "time",
            vec![format!("{bare}办理时限"), format!("{bare}多少个工作日办好")],
            format!("{name}：{}", time_text(item)),
        );
        push(
            "channels",
            vec![
                format!("{bare}办理渠道 掌上办 网上办"),
                format!("{bare}能不能代办"),
            ],
            format!("{name}：{}", channels_text(item)),
        );
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_knowledge_base_covers_every_item_and_validates() {
        let catalog = Catalog::jiangsu_2022();
        let kb = KnowledgeBase::default_for(&catalog);
        kb.validate(&catalog).unwrap();
        for item in &catalog.items {
            assert!(
                kb.entries
                    .iter()
                    .any(|e| e.item.as_deref() == Some(item.name.as_str())),
                "{} has no entry",
                item.name
            );
        }
        assert!(kb.entries.iter().any(|e| e.id.starts_with("hand.")));
    }

    #[test]
    fn a_village_point_only_forwards_items_completed_at_the_county() {
        let catalog = Catalog::jiangsu_2022();
        let item = catalog.items.iter().find(|i| i.code == "JS-19").unwrap();
        let text = where_text(item);
        assert!(text.contains("设区市、县（市、区）"), "{text}");
        assert!(
            text.contains("乡镇（街道）、村（社区）医保服务点可以受理"),
            "{text}"
        );
    }

    #[test]
    fn markdown_and_json_round_trip() {
        let catalog = Catalog::jiangsu_2022();
        let kb = KnowledgeBase::default_for(&catalog);
        let again = KnowledgeBase::from_markdown(&kb.to_markdown(), &catalog).unwrap();
        assert_eq!(again, kb);
        let again = KnowledgeBase::from_json(&kb.to_json(), &catalog).unwrap();
        assert_eq!(again, kb);
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_line() {
        let catalog = Catalog::jiangsu_2022();
        let error = KnowledgeBase::from_markdown("## 问题\n来源：x\n", &catalog).unwrap_err();
        assert_eq!(
            error.to_string(),
            "知识库有误：第 1 行：条目“问题”的答案不能为空"
        );
        let error =
            KnowledgeBase::from_markdown("## 问题\n事项：不存在\n来源：x\n答案\n", &catalog)
                .unwrap_err();
        assert!(error.to_string().contains("不在事项清单中"), "{error}");
    }
}
