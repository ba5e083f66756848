//! `ApiError`: the one error type of the web layer, rendered as RFC 9457 problem JSON with a
//! stable machine `code`, an HTTP status and a Chinese `message`.
//!
//! Internal failures are logged with their cause and shown as a bare 500.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use yibao_domain::ParseError;
use yibao_domain::station::FieldError;
use yibao_store::StoreError;

/// A field-level problem inside a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The request field (or CSV column) at fault.
    pub field: String,
    pub message: String,
    /// CSV line number, for bulk imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// The problem document every error response carries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:yibao:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    /// Chinese explanation for the user.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub errors: Vec<ProblemField>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub fn validation(message: impl Into<String>, errors: Vec<ProblemField>) -> ApiError {
        ApiError {
            errors,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                message,
            )
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录")
    }

    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "服务器内部错误，请稍后重试",
        )
    }

    pub fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:yibao:problem:{}", self.code),
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            message: self.message.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound => ApiError::not_found("记录不存在"),
            StoreError::Duplicate(what) => {
                ApiError::conflict("duplicate", format!("{what} 已存在"))
            }
            StoreError::StaleVersion => {
                ApiError::conflict("stale_version", "记录已被他人修改，请刷新后重试")
            }
            StoreError::MissingReference(what) => {
                ApiError::validation(format!("引用的记录不存在：{what}"), Vec::new())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<ParseError> for ApiError {
    fn from(error: ParseError) -> ApiError {
        ApiError::validation(error.to_string(), Vec::new())
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> ApiError {
        let message = errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；");
        let errors = errors
            .into_iter()
            .map(|e| ProblemField {
                field: e.field.to_owned(),
                message: e.message,
                line: None,
            })
            .collect();
        ApiError::validation(message, errors)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.problem())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}
