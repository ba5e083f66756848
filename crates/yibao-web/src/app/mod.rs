//! Use cases shared by the JSON API, the console and the CLI: validation against the
//! database, permission and scope checks, and the store calls with their audit rows.
//!
//! Nothing here knows HTTP requests or HTML; failures are `ApiError`s because their status
//! and code are what every caller needs (the CLI prints the Chinese message).

pub mod archives;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod counter;
pub mod counter_plan;
pub mod coverage;
pub mod delegation;
pub mod handoffs;
pub mod qa;
pub mod regions;
pub mod stations;
pub mod users;

use yibao_domain::RegionCode;
use yibao_store::{AuditEntry, Role};

use crate::auth::Staff;
use crate::error::ApiError;

/// Who is acting: a signed-in staff member, or the system (CLI, demo seeder).
#[derive(Debug, Clone)]
pub struct Actor {
    pub username: String,
    pub role: Role,
    pub scope: Option<RegionCode>,
    pub ip: Option<String>,
}

impl Actor {
    /// The command line and seeders act as a national administrator named `system`.
    pub fn system() -> Actor {
        Actor {
            username: "system".to_owned(),
            role: Role::BureauAdmin,
            scope: None,
            ip: None,
        }
    }

    pub fn audit(&self, action: &str, entity: &str, entity_id: &str) -> AuditEntry {
        AuditEntry::new(&self.username, action, entity, entity_id).ip(self.ip.clone())
    }

    pub fn ensure_in_scope(&self, region: &RegionCode) -> Result<(), ApiError> {
        match &self.scope {
            Some(scope) if !scope.contains(region) => Err(ApiError::forbidden(format!(
                "无权操作区划“{region}”：您的管辖范围是“{scope}”"
            ))),
            _ => Ok(()),
        }
    }

    pub fn require_network_manager(&self) -> Result<(), ApiError> {
        if self.role.manages_network() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "只有医保局管理员或县级经办人员可以维护站点网络",
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("只有医保局管理员可以执行此操作"))
        }
    }
}

impl From<&Staff> for Actor {
    fn from(staff: &Staff) -> Actor {
        Actor {
            username: staff.user.username.clone(),
            role: staff.user.role,
            scope: staff.user.region_scope.clone(),
            ip: staff.ip.clone(),
        }
    }
}
