//! Resource ids: `<id_prefix>-<lower-case ULID>`, the prefix read from the
//! kind registry. ULIDs sort by creation time, so ids do too.

use stigmer_api::{ApiResourceKind, KindRegistry};

use crate::ApiError;

/// A fresh id for a resource of `kind`.
pub fn new_id(kind: ApiResourceKind) -> Result<String, ApiError> {
    let info = KindRegistry::global()
        .get(kind)
        .ok_or_else(|| ApiError::Internal(format!("kind {kind:?} has no id prefix")))?;
    Ok(format!(
        "{}-{}",
        info.id_prefix,
        ulid::Ulid::new().to_string().to_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_the_kind_prefix_and_a_lower_case_ulid() {
        let id = new_id(ApiResourceKind::Agent).unwrap();
        let (prefix, ulid) = id.split_once('-').unwrap();
        assert_eq!(prefix, "agt");
        assert_eq!(ulid.len(), 26);
        assert_eq!(ulid, ulid.to_lowercase());
        assert!(ulid::Ulid::from_string(ulid).is_ok());
        assert_eq!(new_id(ApiResourceKind::Session).unwrap()[..4], *"ses-");
        assert_eq!(
            new_id(ApiResourceKind::ExecutionContext).unwrap()[..5],
            *"exec-"
        );
    }

    #[test]
    fn unknown_kind_is_an_internal_error() {
        assert!(matches!(
            new_id(ApiResourceKind::Unknown),
            Err(ApiError::Internal(_))
        ));
    }

    #[test]
    fn consecutive_ids_differ() {
        assert_ne!(
            new_id(ApiResourceKind::Agent).unwrap(),
            new_id(ApiResourceKind::Agent).unwrap()
        );
    }
}
