//! What a bulk action's dry run and confirmation carry: the action, the
//! filter alone (no sort or page), and the token binding them to the count
//! the admin saw; and the list's links to them.

use crate::domain::list_query::ListParams;
use crate::domain::KeyKind;
use crate::error::AppError;
use crate::keys::bulk as core;

/// Which bulk action, before its value (the expiry) is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkKind {
    Deactivate,
    SetExpiry,
}

impl BulkKind {
    pub(super) fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        match raw.map(str::trim) {
            Some(core::DEACTIVATE) => Ok(Self::Deactivate),
            Some(core::SET_EXPIRY) => Ok(Self::SetExpiry),
            _ => Err(AppError::bad_request(
                "Choose a bulk action: deactivate or set_expiry.",
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Deactivate => core::DEACTIVATE,
            Self::SetExpiry => core::SET_EXPIRY,
        }
    }

    pub fn is_expiry(&self) -> bool {
        *self == Self::SetExpiry
    }
}

/// The filter alone (no sort, no page): what a bulk action runs over.
pub(super) fn filter_of(p: &ListParams) -> ListParams {
    let d = ListParams::default();
    ListParams {
        sort: d.sort,
        dir: d.dir,
        page: d.page,
        per_page: d.per_page,
        ..p.clone()
    }
}

/// Binds what the admin saw to what is confirmed (HMAC with the server's
/// pepper: a changed hidden field is refused).
pub(super) fn token(
    pepper: &[u8],
    kind: KeyKind,
    action: BulkKind,
    filter: &str,
    count: i64,
) -> String {
    let data = format!("bulk|{}|{}|{filter}|{count}", kind.code(), action.code());
    crate::crypto::hmac_sha256_hex(pepper, data.as_bytes())
}

/// The list's offers of a bulk action over its filter.
impl super::list::ListView {
    pub fn offers_bulk(&self) -> bool {
        self.can_edit && self.params.is_filtered() && self.total > 0
    }

    pub fn bulk_href(&self, action: &str) -> String {
        let qs = filter_of(&self.params).query_string();
        let sep = if qs.is_empty() { "?" } else { "&" };
        format!("{}/bulk{qs}{sep}action={action}", self.kind.list_url())
    }

    /// "all 12 matching keys", or "all matching keys" past the count's bound.
    pub fn bulk_count(&self) -> String {
        match (self.total, self.more) {
            (_, true) => "all matching keys".into(),
            (1, false) => "the 1 matching key".into(),
            (n, false) => format!("all {n} matching keys"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_binds_tab_action_filter_and_count() {
        let t = token(b"pepper", KeyKind::Rest, BulkKind::Deactivate, "?q=a", 3);
        assert_eq!(
            t,
            token(b"pepper", KeyKind::Rest, BulkKind::Deactivate, "?q=a", 3)
        );
        for other in [
            token(b"pepper", KeyKind::Graphql, BulkKind::Deactivate, "?q=a", 3),
            token(b"pepper", KeyKind::Rest, BulkKind::SetExpiry, "?q=a", 3),
            token(b"pepper", KeyKind::Rest, BulkKind::Deactivate, "?q=b", 3),
            token(b"pepper", KeyKind::Rest, BulkKind::Deactivate, "?q=a", 4),
            token(b"other", KeyKind::Rest, BulkKind::Deactivate, "?q=a", 3),
        ] {
            assert_ne!(t, other);
        }
    }

    #[test]
    fn the_filter_drops_sort_and_paging() {
        let p = ListParams {
            q: Some("a".into()),
            page: 3,
            per_page: 50,
            sort: crate::domain::list_query::SortColumn::Name,
            ..ListParams::default()
        };
        assert_eq!(filter_of(&p).query_string(), "?q=a");
    }
}
