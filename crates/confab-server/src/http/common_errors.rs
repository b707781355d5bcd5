//! The error responses every operation of a kind can give, added to the OpenAPI
//! document by rule so that no operation forgets one: the authentication errors of
//! every operation that takes a token, the body errors of every operation that takes
//! a body, the parameter error of every operation with path or query parameters, the
//! room errors of every operation on a room, and the busy answer of every operation
//! that checks a password. An operation's own description of a status wins.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// Operations that hash or verify a password, and so can be refused as busy.
const PASSWORD_OPERATIONS: [&str; 3] = [
    "/api/v1/auth/signup",
    "/api/v1/auth/signin",
    "/api/v1/users/me/password",
];

/// Adds the common error responses to every operation of `openapi`.
pub fn document(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            document_operation(path, operation);
        }
    }
}

fn document_operation(path: &str, operation: &mut Operation) {
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    let takes_token = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let has_body = operation.request_body.is_some();
    let has_parameters = operation.parameters.iter().flatten().any(|parameter| {
        matches!(
            parameter.parameter_in,
            ParameterIn::Path | ParameterIn::Query
        )
    });
    if takes_token {
        add(
            "401",
            "`unauthenticated` (no token), `invalid_token`, `token_expired` (refresh and retry) \
             or `session_revoked`; see protocol.md's authentication errors",
        );
    }
    if has_body {
        add(
            "400",
            "`invalid_json` (not JSON, a wrong type or an unknown field) or `invalid_input` \
             (`field` names the value that breaks a rule)",
        );
        add(
            "413",
            "`payload_too_large`: the body is larger than `--max-body-bytes`",
        );
        add(
            "415",
            "`unsupported_media_type`: the body is not `application/json`",
        );
    } else if has_parameters {
        add(
            "400",
            "`invalid_input`: a path or query parameter is malformed or out of range",
        );
    }
    if path.starts_with("/api/v1/rooms/{id}") {
        add(
            "403",
            "`forbidden`: the caller is not a current member of the room, or their role \
             does not allow this",
        );
        add(
            "404",
            "`not_found`: no such room (or message, member or reaction named in the path)",
        );
    }
    if path.starts_with("/api/v1/sessions/{id}") {
        add("404", "`not_found`: no such session of the caller");
    }
    if PASSWORD_OPERATIONS.contains(&path) {
        add(
            "503",
            "`unavailable`: too many password checks are waiting; try again after \
             `Retry-After` seconds",
        );
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_with_a_token_documents_401_and_every_body_413() {
        let openapi = super::super::openapi();
        for (path, item) in &openapi.paths.paths {
            for operation in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                let statuses = &operation.responses.responses;
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    assert!(statuses.contains_key("401"), "{path}");
                }
                if operation.request_body.is_some() {
                    assert!(statuses.contains_key("413"), "{path}");
                }
            }
        }
    }
}
