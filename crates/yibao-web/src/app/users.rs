//! Staff accounts.

use serde_json::json;
use yibao_domain::RegionCode;
use yibao_store::{NewUser, Role, Store, User};

use super::Actor;
use crate::auth::{check_password_strength, hash_password};
use crate::error::ApiError;

/// Fields of a new account.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_scope: Option<RegionCode>,
    pub station_code: Option<String>,
    pub password: String,
}

pub async fn create(store: &Store, actor: &Actor, input: &UserInput) -> Result<User, ApiError> {
    actor.require_admin()?;
    let username = input.username.trim();
    let valid_name = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if !valid_name {
        return Err(ApiError::validation(
            "用户名应为 3～32 位字母、数字、下划线、连字符或点",
            Vec::new(),
        ));
    }
    if input.display_name.trim().is_empty() {
        return Err(ApiError::validation("姓名不能为空", Vec::new()));
    }
    check_password_strength(&input.password)?;
    match (&actor.scope, &input.region_scope) {
        (Some(_), None) => return Err(ApiError::forbidden("不能创建管辖全国的账号")),
        (Some(_), Some(scope)) => actor.ensure_in_scope(scope)?,
        _ => {}
    }
    if let Some(scope) = &input.region_scope
        && store.get_region(scope).await?.is_none()
    {
        return Err(ApiError::validation(
            format!("管辖区划“{scope}”不存在"),
            Vec::new(),
        ));
    }
    if let Some(code) = &input.station_code {
        let station = store
            .get_station(code)
            .await?
            .ok_or_else(|| ApiError::validation(format!("所属站点“{code}”不存在"), Vec::new()))?;
        if let Some(scope) = &input.region_scope
            && !scope.contains(&station.region_code)
        {
            return Err(ApiError::validation(
                "所属站点不在该账号的管辖区划内",
                Vec::new(),
            ));
        }
    }
    let new = NewUser {
        username: username.to_owned(),
        display_name: input.display_name.trim().to_owned(),
        role: input.role,
        region_scope: input.region_scope.clone(),
        station_code: input.station_code.clone(),
        password_hash: hash_password(&input.password)?,
    };
    let mut audit = actor
        .audit("user.create", "user", username)
        .detail(json!({ "role": input.role.as_str(), "scope": input.region_scope.as_ref().map(|c| c.as_str()) }));
    if let Some(scope) = &input.region_scope {
        audit = audit.region(scope.as_str());
    }
    Ok(store.create_user(&new, &audit).await?)
}
