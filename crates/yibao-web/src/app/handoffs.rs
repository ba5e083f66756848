//! Chain-of-custody use cases (材料流转): pack cases' paper originals into a handoff batch
//! addressed to another station, send it, and check it in item by item at the receiving
//! station, flagging missing and unexpected items.
//!
//! A clerk acts for the station of their account; accounts without a station (bureau and
//! county supervisors) act for any station in their scope. A batch is visible to staff whose
//! scope holds its sending or its receiving station.

use std::collections::BTreeSet;

use yibao_store::{
    BatchFilter, BatchStatus, HandoffBatch, HandoffItem, OriginalsStatus, Page, PageRequest,
    Receipt, Store, StoredCase, UnexpectedItem,
};

use crate::app::Actor;
use crate::app::cases::Clerk;
use crate::app::cases::field_error;
use crate::error::ApiError;

/// At most this many cases in one batch.
pub const MAX_BATCH_ITEMS: usize = 200;

/// A batch to pack, as typed in.
#[derive(Debug, Clone, Default)]
pub struct PackInput {
    /// Defaults to the clerk's station.
    pub from_station: Option<String>,
    pub to_station: String,
    /// Case numbers whose originals go into the batch.
    pub cases: Vec<String>,
}

/// A batch with its items and whatever arrived unlisted.
#[derive(Debug, Clone)]
pub struct HandoffView {
    pub batch: HandoffBatch,
    pub items: Vec<HandoffItem>,
    pub unexpected: Vec<UnexpectedItem>,
}

/// Where a case's paper originals are, in one Chinese line.
pub fn custody_label(case: &StoredCase) -> String {
    custody_label_at(
        case,
        case.originals_station.as_deref().unwrap_or("未知站点"),
    )
}

/// `custody_label` with the station shown as `station` (pages put its name there).
pub fn custody_label_at(case: &StoredCase, station: &str) -> String {
    // A space separates Chinese text from a code in Latin letters and digits, not from a name.
    let lead = if station.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        " "
    } else {
        ""
    };
    let trail = if station.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        " "
    } else {
        ""
    };
    let station = format!("{lead}{station}{trail}");
    match (case.originals_status, &case.originals_batch) {
        (OriginalsStatus::NoPaper, _) => "无纸质原件（均以电子证照提交）".to_owned(),
        (OriginalsStatus::Held, None) => format!("在{station}保管"),
        (OriginalsStatus::Held, Some(batch)) => {
            format!("在{station}保管，已装入交接批次 {batch} 待发出")
        }
        (OriginalsStatus::InTransit, Some(batch)) => {
            format!("随交接批次 {batch} 流转途中（自{station}发出）")
        }
        (OriginalsStatus::InTransit, None) => format!("流转途中（自{station}发出）"),
        (OriginalsStatus::Missing, Some(batch)) => {
            format!("签收交接批次 {batch} 时缺失，待{station}核查")
        }
        (OriginalsStatus::Missing, None) => format!("缺失，待{station}核查"),
    }
}

/// The clerk may act for `station` (their own, or any in scope for supervisors).
fn ensure_acts_for(
    clerk: &Clerk,
    station: &str,
    region: &yibao_domain::RegionCode,
) -> Result<(), ApiError> {
    match &clerk.station {
        Some(own) if own == station => Ok(()),
        Some(own) => Err(ApiError::forbidden(format!(
            "您只能以本站（{own}）的名义办理材料交接"
        ))),
        None if clerk.actor.role.manages_network() => clerk.actor.ensure_in_scope(region),
        None => Err(ApiError::forbidden(
            "您的账号未归属任何站点，不能办理材料交接",
        )),
    }
}

fn ensure_batch_in_scope(actor: &Actor, batch: &HandoffBatch) -> Result<(), ApiError> {
    let Some(scope) = &actor.scope else {
        return Ok(());
    };
    let inside = |region: &str| region.starts_with(scope.as_str());
    if inside(&batch.from_region) || inside(&batch.to_region) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "无权查看交接批次 {}：收发站点均不在您的管辖范围（{scope}）内",
            batch.number
        )))
    }
}

async fn station(store: &Store, code: &str, field: &str) -> Result<yibao_store::Station, ApiError> {
    store
        .get_station(code.trim())
        .await?
        .ok_or_else(|| field_error(field, format!("站点“{}”不存在", code.trim())))
}

/// Packs the paper originals of the given cases, held at the sending station, into a new
/// batch addressed to `to_station`.
pub async fn pack(
    store: &Store,
    clerk: &Clerk,
    input: &PackInput,
) -> Result<HandoffView, ApiError> {
    let from_code = match (&input.from_station, &clerk.station) {
        (Some(given), _) if !given.trim().is_empty() => given.trim().to_owned(),
        (_, Some(own)) => own.clone(),
        _ => return Err(field_error("from_station", "请指定发出站点".to_owned())),
    };
    let from = station(store, &from_code, "from_station").await?;
    ensure_acts_for(clerk, &from_code, &from.region_code)?;
    clerk.actor.ensure_in_scope(&from.region_code)?;
    let to_code = input.to_station.trim();
    if to_code.is_empty() {
        return Err(field_error("to_station", "请选择接收站点".to_owned()));
    }
    if to_code == from_code {
        return Err(field_error(
            "to_station",
            "接收站点不能是发出站点本身".to_owned(),
        ));
    }
    let to = station(store, to_code, "to_station").await?;
    if to.status != yibao_store::StationStatus::Open {
        return Err(field_error(
            "to_station",
            format!("接收站点“{}”已撤销，不能接收材料", to.name),
        ));
    }
    let numbers: Vec<String> = input
        .cases
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    if numbers.is_empty() {
        return Err(field_error(
            "cases",
            "请至少选择一件业务件的纸质原件".to_owned(),
        ));
    }
    if numbers.len() > MAX_BATCH_ITEMS {
        return Err(field_error(
            "cases",
            format!("一个交接批次最多 {MAX_BATCH_ITEMS} 件"),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut cases = Vec::new();
    for number in &numbers {
        if !seen.insert(number.clone()) {
            return Err(field_error("cases", format!("业务件 {number} 重复选择")));
        }
        let case = store
            .get_case(number)
            .await?
            .ok_or_else(|| field_error("cases", format!("业务件“{number}”不存在")))?;
        clerk.actor.ensure_in_scope(&case.region_code)?;
        let held_here = case.originals_status == OriginalsStatus::Held
            && case.originals_station.as_deref() == Some(from_code.as_str());
        if !held_here || case.originals_batch.is_some() {
            return Err(field_error(
                "cases",
                format!(
                    "业务件 {number} 的纸质原件不在 {from_code} 待交接：{}",
                    custody_label(&case)
                ),
            ));
        }
        cases.push((case.id, case.number));
    }
    let audit = clerk
        .actor
        .audit("handoff.create", "handoff_batch", "")
        .region(from.region_code.as_str())
        .detail(serde_json::json!({
            "from": from_code,
            "to": to_code,
            "cases": numbers,
        }));
    let number = store
        .create_handoff_batch(&from_code, to_code, &cases, &clerk.actor.username, &audit)
        .await
        .map_err(|error| match error {
            yibao_store::StoreError::StaleVersion => ApiError::conflict(
                "stale_version",
                "所选业务件的原件已被他人装入其他批次，请刷新后重试",
            ),
            other => other.into(),
        })?;
    load(store, &number).await
}

async fn load(store: &Store, number: &str) -> Result<HandoffView, ApiError> {
    let batch = store
        .get_handoff_batch(number.trim())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("交接批次“{}”不存在", number.trim())))?;
    let items = store.handoff_items(batch.id).await?;
    let unexpected = store.handoff_unexpected(batch.id).await?;
    Ok(HandoffView {
        batch,
        items,
        unexpected,
    })
}

/// One batch with its items, if the caller's scope holds one of its stations.
pub async fn get(store: &Store, actor: &Actor, number: &str) -> Result<HandoffView, ApiError> {
    let view = load(store, number).await?;
    ensure_batch_in_scope(actor, &view.batch)?;
    Ok(view)
}

fn stale(batch: &HandoffBatch) -> ApiError {
    ApiError::conflict(
        "stale_version",
        format!(
            "交接批次 {} 已被他人处理（当前状态：{}），请刷新后重试",
            batch.number,
            batch.status.label()
        ),
    )
}

/// Sends a packed batch; `version` is the batch version the clerk saw.
pub async fn send(
    store: &Store,
    clerk: &Clerk,
    number: &str,
    version: i64,
) -> Result<HandoffView, ApiError> {
    let view = get(store, &clerk.actor, number).await?;
    let batch = &view.batch;
    let from_region = yibao_domain::RegionCode::parse(&batch.from_region)?;
    ensure_acts_for(clerk, &batch.from_station, &from_region)?;
    if batch.version != version || batch.status != BatchStatus::Packed {
        return Err(stale(batch));
    }
    let audit = clerk
        .actor
        .audit("handoff.send", "handoff_batch", &batch.number)
        .region(batch.from_region.clone())
        .detail(serde_json::json!({ "to": batch.to_station, "items": batch.items }));
    store
        .send_handoff_batch(batch, &clerk.actor.username, &audit)
        .await
        .map_err(|error| match error {
            yibao_store::StoreError::StaleVersion => stale(batch),
            other => other.into(),
        })?;
    load(store, number).await
}

/// The receiving station's check, as typed in.
#[derive(Debug, Clone, Default)]
pub struct ReceiptInput {
    pub version: i64,
    /// (case number, found in the batch?) for every listed item.
    pub items: Vec<(String, bool)>,
    /// Unlisted items found in the batch: a case number or a short description.
    pub unexpected: Vec<String>,
}

/// Checks a batch in transit in at the receiving station, item by item. Every listed item
/// must be marked found or missing; unlisted items found are recorded as unexpected.
pub async fn receive(
    store: &Store,
    clerk: &Clerk,
    number: &str,
    input: &ReceiptInput,
) -> Result<HandoffView, ApiError> {
    let view = get(store, &clerk.actor, number).await?;
    let batch = &view.batch;
    let to_region = yibao_domain::RegionCode::parse(&batch.to_region)?;
    ensure_acts_for(clerk, &batch.to_station, &to_region)?;
    if batch.version != input.version || batch.status != BatchStatus::InTransit {
        if batch.status == BatchStatus::Packed {
            return Err(ApiError::conflict(
                "batch_not_sent",
                format!("交接批次 {} 尚未发出，不能签收", batch.number),
            ));
        }
        return Err(stale(batch));
    }
    let mut receipt = Receipt::default();
    let mut checked = BTreeSet::new();
    for (case_number, found) in &input.items {
        let case_number = case_number.trim();
        let Some(item) = view.items.iter().find(|i| i.case_number == case_number) else {
            return Err(field_error(
                "items",
                format!(
                    "业务件 {case_number} 不在交接批次 {} 的清单中",
                    batch.number
                ),
            ));
        };
        if !checked.insert(item.case_id) {
            return Err(field_error(
                "items",
                format!("业务件 {case_number} 重复核对"),
            ));
        }
        if *found {
            receipt.received.push(item.case_id);
        } else {
            receipt.missing.push(item.case_id);
        }
    }
    let unchecked: Vec<&str> = view
        .items
        .iter()
        .filter(|i| !checked.contains(&i.case_id))
        .map(|i| i.case_number.as_str())
        .collect();
    if !unchecked.is_empty() {
        return Err(field_error(
            "items",
            format!(
                "请逐件核对清单中的全部业务件，尚未核对：{}",
                unchecked.join("、")
            ),
        ));
    }
    for description in &input.unexpected {
        let description = description.trim();
        if description.is_empty() {
            continue;
        }
        if description.chars().count() > 200 {
            return Err(field_error(
                "unexpected",
                "清单外材料的说明过长（最多 200 个字）".to_owned(),
            ));
        }
        if view.items.iter().any(|i| i.case_number == description) {
            return Err(field_error(
                "unexpected",
                format!("业务件 {description} 已在清单中，请在清单中核对"),
            ));
        }
        let case_id = store.get_case(description).await?.map(|case| case.id);
        receipt.unexpected.push((description.to_owned(), case_id));
    }
    let audit = clerk
        .actor
        .audit("handoff.receive", "handoff_batch", &batch.number)
        .region(batch.to_region.clone())
        .detail(serde_json::json!({
            "received": receipt.received.len(),
            "missing": receipt.missing.len(),
            "unexpected": receipt.unexpected.len(),
        }));
    store
        .receive_handoff_batch(batch, &receipt, &clerk.actor.username, &audit)
        .await
        .map_err(|error| match error {
            yibao_store::StoreError::StaleVersion => stale(batch),
            other => other.into(),
        })?;
    load(store, number).await
}

/// One page of batches sent from or addressed to `station` (or every batch in scope).
pub async fn list(
    store: &Store,
    actor: &Actor,
    station: Option<&str>,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<HandoffBatch>, ApiError> {
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(BatchStatus::parse(text).ok_or_else(|| {
            field_error(
                "status",
                format!("批次状态“{text}”无效：应为 packed、in_transit、received 或 discrepancy"),
            )
        })?),
    };
    let station = station.map(str::trim).filter(|s| !s.is_empty());
    if let Some(code) = station {
        let found = store
            .get_station(code)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("站点“{code}”不存在")))?;
        actor.ensure_in_scope(&found.region_code)?;
    }
    let filter = BatchFilter {
        station: station.map(str::to_owned),
        status,
        scope: actor.scope.as_ref().map(|s| s.as_str().to_owned()),
    };
    Ok(store.list_handoff_batches(&filter, page).await?)
}

/// Cases whose originals wait at `station` to be packed.
pub async fn awaiting(
    store: &Store,
    actor: &Actor,
    station: &str,
    page: PageRequest,
) -> Result<Page<yibao_store::CaseSummary>, ApiError> {
    let found = store
        .get_station(station.trim())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("站点“{}”不存在", station.trim())))?;
    actor.ensure_in_scope(&found.region_code)?;
    let filter = yibao_store::CaseFilter {
        originals_held_at: Some(station.trim().to_owned()),
        scope: actor.scope.clone(),
        ..Default::default()
    };
    Ok(store.list_cases(&filter, page).await?)
}
