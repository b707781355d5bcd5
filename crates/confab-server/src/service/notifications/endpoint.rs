//! Push endpoints are URLs users give and the server sends requests to, so they must
//! not reach the server's own network: `https://` to a public host only, unless the
//! operator allows private endpoints (for tests). The same check of addresses is
//! applied again to what the host name resolves to when a push is sent
//! (`service::outbound`).

use crate::service::outbound::AddressPolicy;
use crate::service::{ServiceError, ServiceResult};

/// Longest endpoint URL accepted (push services use well under 1,000 characters).
pub const ENDPOINT_MAX_CHARS: usize = 2048;

/// Checks an endpoint URL a device registered.
pub fn check_endpoint(endpoint: &str, allow_private: bool) -> ServiceResult<url::Url> {
    let invalid = |why: &str| ServiceError::invalid("endpoint", format!("the push endpoint {why}"));
    if endpoint.len() > ENDPOINT_MAX_CHARS {
        return Err(invalid("is too long"));
    }
    let url = url::Url::parse(endpoint).map_err(|_| invalid("is not a URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not carry credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(invalid("must be an https:// URL")),
    }
    let host = url.host().ok_or_else(|| invalid("has no host"))?;
    if !allow_private && !AddressPolicy::public_only().allows_host(&host) {
        return Err(invalid("must be on a public host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_endpoints_pass_by_default() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        assert!(
            check_endpoint(
                "https://updates.push.services.mozilla.com/wpush/v2/x",
                false
            )
            .is_ok()
        );
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:192.168.1.1]/x",
            "https://intranet/x",
            "https://user:pw@push.example.com/x",
            "ftp://push.example.com/x",
            "not a url",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad} passed");
        }
        assert!(check_endpoint("http://127.0.0.1:9000/push/1", true).is_ok());
    }
}
