//! Contract versions and the version check every POST body goes through.

use crate::error::{ApiError, ErrorCode};

/// The HTTP API contract this core speaks.
pub const API_CONTRACT_VERSION: &str = "0.5.0";
/// The course data (dataset manifest) contract this core reads.
pub const MANIFEST_CONTRACT_VERSION: &str = "0.1.0";

/// Returns `major.minor` of a `major.minor.patch` version, or `None` when the
/// text is not three dot-separated unsigned integers.
fn major_minor(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let _patch: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor))
}

/// True when `requested` has the same major.minor as `supported` (patch may differ).
pub fn compatible(requested: &str, supported: &str) -> bool {
    match (major_minor(requested), major_minor(supported)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Checks a request's `contract_version` against [`API_CONTRACT_VERSION`].
///
/// Missing, malformed or a different major.minor answer
/// `unsupported_contract_version` with the supported version in `details`.
pub fn check_api_version(requested: Option<&str>) -> Result<(), ApiError> {
    match requested {
        Some(v) if compatible(v, API_CONTRACT_VERSION) => Ok(()),
        Some(v) => Err(unsupported(alloc::format!(
            "contract_version `{v}` is not supported; this service speaks {API_CONTRACT_VERSION}"
        ))
        .with("requested", v)),
        None => {
            Err(unsupported(alloc::format!("contract_version is required; this service speaks {API_CONTRACT_VERSION}")))
        }
    }
}

fn unsupported(message: alloc::string::String) -> ApiError {
    ApiError::new(ErrorCode::UnsupportedContractVersion, message)
        .field("contract_version")
        .with("supported", API_CONTRACT_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_may_differ_major_minor_may_not() {
        assert!(check_api_version(Some("0.5.0")).is_ok());
        assert!(check_api_version(Some("0.5.7")).is_ok());
        for bad in ["0.4.0", "0.6.0", "1.5.0", "0.5", "0.5.0.1", "v0.5.0", "", "0.5.x"] {
            let e = check_api_version(Some(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::UnsupportedContractVersion, "{bad}");
            assert_eq!(e.details["supported"], "0.5.0");
        }
        let e = check_api_version(None).unwrap_err();
        assert_eq!(e.details["field"], "contract_version");
    }
}
