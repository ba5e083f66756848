//! Publishing and editing the item catalog.

use serde_json::json;
use yibao_domain::{Catalog, ServiceItem};
use yibao_store::{Store, StoredItem};

use super::Actor;
use crate::error::ApiError;

/// Imports a whole catalog (TOML or CSV already parsed); returns how many items changed.
pub async fn import(
    store: &Store,
    actor: &Actor,
    catalog: &Catalog,
    note: &str,
) -> Result<usize, ApiError> {
    actor.require_admin()?;
    catalog.validate()?;
    Ok(store
        .import_catalog(&catalog.catalog, &catalog.items, &actor.username, note)
        .await?)
}

/// The catalog as stored, ready for export.
pub async fn export(store: &Store) -> Result<Catalog, ApiError> {
    let items: Vec<ServiceItem> = store
        .list_items()
        .await?
        .into_iter()
        .map(|stored| stored.item)
        .collect();
    let info = store
        .catalog_info()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("尚未导入事项目录"))?;
    Ok(Catalog {
        catalog: info,
        items,
    })
}

/// Replaces one item's guide; `note` says why (kept in the history).
pub async fn update_item(
    store: &Store,
    actor: &Actor,
    item: &ServiceItem,
    expected_version: i64,
    note: &str,
) -> Result<StoredItem, ApiError> {
    actor.require_admin()?;
    item.validate()?;
    let note = note.trim();
    if note.is_empty() {
        return Err(ApiError::validation("请填写修改说明", Vec::new()));
    }
    store
        .get_item(&item.code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("事项“{}”不存在", item.code)))?;
    let audit = actor
        .audit("catalog.item.update", "service_item", &item.code)
        .detail(json!({ "version": expected_version, "note": note }));
    Ok(store
        .update_item(item, expected_version, note, &audit)
        .await?)
}
