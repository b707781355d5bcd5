//! [`ApiError`]: how every failure leaves the REST API, as
//! `{"error":{"code","message"}}` with the matching HTTP status.

use crate::service::{ServiceError, whole_seconds};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use confab_proto::{ErrorBody, ErrorCode, ErrorDetail};

/// An error response of the REST API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                field: None,
                retry_after_secs: None,
            },
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such resource",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "this method is not allowed here",
        )
    }

    pub fn unauthenticated(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error; the server log has details",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.detail.retry_after_secs;
        let mut response = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"confab\""),
            );
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let code = error.code();
        let mut api = Self::new(status_of(code), code, error.public_message());
        match &error {
            ServiceError::InvalidInput { field, .. } | ServiceError::WeakPassword { field, .. } => {
                api.detail.field = Some((*field).to_owned());
            }
            ServiceError::RateLimited { retry_after } | ServiceError::Busy { retry_after } => {
                api.detail.retry_after_secs = Some(whole_seconds(*retry_after));
            }
            _ => {}
        }
        api
    }
}

/// The HTTP status of each error code.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidJson
        | ErrorCode::InvalidInput
        | ErrorCode::WeakPassword
        | ErrorCode::ProviderFlowInvalid
        | ErrorCode::PasskeyCeremonyInvalid => StatusCode::BAD_REQUEST,
        ErrorCode::UsernameTaken
        | ErrorCode::IdentityInUse
        | ErrorCode::LastSignInMethod
        | ErrorCode::TooManyPasskeys
        | ErrorCode::TooManyPins
        | ErrorCode::MlsEpochStale
        | ErrorCode::MlsRemovalPending
        | ErrorCode::MlsGroupExists => StatusCode::CONFLICT,
        ErrorCode::ProviderUnavailable => StatusCode::BAD_GATEWAY,
        ErrorCode::InvalidCredentials
        | ErrorCode::ProviderRejected
        | ErrorCode::PasskeyRejected
        | ErrorCode::SecondFactorRequired
        | ErrorCode::InvalidSecondFactor
        | ErrorCode::Unauthenticated
        | ErrorCode::InvalidToken
        | ErrorCode::TokenExpired
        | ErrorCode::SessionRevoked
        | ErrorCode::RefreshTokenReused => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::MlsNotInGroup => StatusCode::FORBIDDEN,
        ErrorCode::NotFound | ErrorCode::PasskeysDisabled => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::PayloadTooLarge | ErrorCode::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal | ErrorCode::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "the request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with `Content-Type: application/json`",
            ),
            _ => Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                rejection.body_text(),
            ),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidInput,
            rejection.body_text(),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidInput,
            rejection.body_text(),
        )
    }
}
