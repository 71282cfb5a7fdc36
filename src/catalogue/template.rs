//! Path templates as OpenAPI documents write them, and how a concrete
//! request path matches one.
//!
//! The rule, one segment at a time (segments are what lies between `/`):
//! - a literal segment matches itself exactly (case-sensitive, no decoding:
//!   `%2F` stays three characters, so it never splits a segment);
//! - `{name}` matches one or more characters of one segment;
//! - `*` inside a segment (`v*`) matches one or more characters of that
//!   segment: the version wildcard of `/api/v*/orders/statuses`;
//! - a segment may mix them (`v{n}`, `{id}.json`).
//!
//! The number of segments must be equal: a trailing slash, an empty segment
//! (`//`) or a dot segment (`.`, `..`) in the request never matches, so a
//! path cannot be dressed up to look like another. The query string and
//! fragment are not part of the path.

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// `{name}` or `*`: one or more characters of the segment.
    Any,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment(Vec<Piece>);

impl Segment {
    /// 2: all literal; 1: some literal; 0: only placeholders. Higher is
    /// more specific.
    fn rank(&self) -> u8 {
        let literal = self
            .0
            .iter()
            .filter(|p| matches!(p, Piece::Literal(_)))
            .count();
        if literal == self.0.len() {
            2
        } else if literal > 0 {
            1
        } else {
            0
        }
    }

    fn matches(&self, s: &str) -> bool {
        match_pieces(&self.0, s)
    }
}

fn match_pieces(pieces: &[Piece], s: &str) -> bool {
    match pieces.split_first() {
        None => s.is_empty(),
        Some((Piece::Literal(l), rest)) => s
            .strip_prefix(l.as_str())
            .is_some_and(|tail| match_pieces(rest, tail)),
        Some((Piece::Any, rest)) => {
            // One or more characters, then the rest (short templates: a
            // plain backtracking search is enough).
            s.char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain(std::iter::once(s.len()))
                .filter(|i| *i > 0)
                .any(|i| match_pieces(rest, &s[i..]))
        }
    }
}

/// A parsed template; `raw` is the text as the document has it.
#[derive(Clone, Debug)]
pub struct Template {
    pub raw: String,
    segments: Vec<Segment>,
    /// `{name}` placeholders by segment index (for the store parameter).
    params: Vec<(usize, String)>,
}

impl Template {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if !raw.starts_with('/') {
            return Err(format!("the path `{raw}` does not start with /"));
        }
        if raw.len() > 1 && raw.ends_with('/') {
            return Err(format!("the path `{raw}` ends with /"));
        }
        let mut segments = Vec::new();
        let mut params = Vec::new();
        for (i, seg) in split(raw).enumerate() {
            if seg.is_empty() || seg == "." || seg == ".." {
                return Err(format!("the path `{raw}` has an empty or dot segment"));
            }
            let mut pieces = Vec::new();
            let mut rest = seg;
            while !rest.is_empty() {
                if let Some(after) = rest.strip_prefix('{') {
                    let end = after
                        .find('}')
                        .ok_or_else(|| format!("the path `{raw}` has an unclosed {{"))?;
                    let name = &after[..end];
                    if name.is_empty() || name.contains(['{', '/', '*']) {
                        return Err(format!("the path `{raw}` has a bad parameter name"));
                    }
                    params.push((i, name.to_owned()));
                    push_any(&mut pieces, raw)?;
                    rest = &after[end + 1..];
                } else if let Some(after) = rest.strip_prefix('*') {
                    push_any(&mut pieces, raw)?;
                    rest = after;
                } else {
                    let end = rest.find(['{', '*']).unwrap_or(rest.len());
                    if rest[..end].contains('}') {
                        return Err(format!("the path `{raw}` has a stray }}"));
                    }
                    pieces.push(Piece::Literal(rest[..end].to_owned()));
                    rest = &rest[end..];
                }
            }
            segments.push(Segment(pieces));
        }
        Ok(Self {
            raw: raw.to_owned(),
            segments,
            params,
        })
    }

    /// Does the concrete `path` (query and fragment ignored) match?
    pub fn matches(&self, path: &str) -> bool {
        let path = strip_query(path);
        if !path.starts_with('/') {
            return false;
        }
        let mut parts = split(path);
        for seg in &self.segments {
            match parts.next() {
                Some(p) if !p.is_empty() && p != "." && p != ".." && seg.matches(p) => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }

    /// The value of the `{name}` placeholder in a path that matches, when
    /// it fills a whole segment.
    pub fn param_value<'a>(&self, name: &str, path: &'a str) -> Option<&'a str> {
        let (index, _) = self.params.iter().find(|(_, n)| n == name)?;
        let seg = &self.segments[*index];
        if seg.0 != [Piece::Any] {
            return None;
        }
        split(strip_query(path)).nth(*index)
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(_, n)| n == name)
    }

    /// The shape with placeholder names erased: `/orders/{id}` and
    /// `/orders/{orderId}` are the same route.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            for p in &s.0 {
                match p {
                    Piece::Literal(l) => out.push_str(l),
                    Piece::Any => out.push('\u{1}'),
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// Which of two templates matching the same path is the more specific:
    /// segment by segment from the left, literal beats mixed beats
    /// placeholder. `Greater` means `self` wins.
    pub fn specificity(&self, other: &Template) -> Ordering {
        for (a, b) in self.segments.iter().zip(&other.segments) {
            match a.rank().cmp(&b.rank()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }
}

fn push_any(pieces: &mut Vec<Piece>, raw: &str) -> Result<(), String> {
    if pieces.last() == Some(&Piece::Any) {
        return Err(format!(
            "the path `{raw}` has two placeholders side by side"
        ));
    }
    pieces.push(Piece::Any);
    Ok(())
}

fn strip_query(path: &str) -> &str {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

/// The segments after the leading `/` (none for `/` itself).
fn split(path: &str) -> impl Iterator<Item = &str> {
    let body = path.strip_prefix('/').unwrap_or(path);
    let mut it = body.split('/');
    // "/" is the root: no segment at all.
    let skip_empty = body.is_empty();
    std::iter::from_fn(move || if skip_empty { None } else { it.next() })
}

/// The value of query parameter `name` in `path`, if any (no decoding).
pub fn query_value<'a>(path: &'a str, name: &str) -> Option<&'a str> {
    let q = path.split_once('?')?.1;
    let q = q.split('#').next().unwrap_or(q);
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(raw: &str) -> Template {
        Template::parse(raw).unwrap()
    }

    #[test]
    fn literal_paths_match_exactly() {
        let o = t("/api/v2/orders/statuses");
        assert!(o.matches("/api/v2/orders/statuses"));
        assert!(o.matches("/api/v2/orders/statuses?page=2"));
        assert!(!o.matches("/api/v2/orders/statuses/"));
        assert!(!o.matches("/api/v2/orders"));
        assert!(!o.matches("/api/v2/orders/statuses/1"));
        assert!(!o.matches("/API/v2/orders/statuses"));
        assert!(!o.matches("api/v2/orders/statuses"));
        assert!(!o.matches(""));
    }

    #[test]
    fn version_wildcard() {
        let o = t("/api/v*/orders/statuses");
        for ok in [
            "/api/v1/orders/statuses",
            "/api/v2/orders/statuses",
            "/api/v10/orders/statuses",
            "/api/vbeta/orders/statuses",
        ] {
            assert!(o.matches(ok), "{ok}");
        }
        for no in [
            "/api/v/orders/statuses",
            "/api/x2/orders/statuses",
            "/api/orders/statuses",
            "/api/v2/v3/orders/statuses",
            "/api/v2/orders/statuses/",
            "/api/v2//orders/statuses",
            "/api/v2/orders/../orders/statuses",
            "/api/v2/orders/./statuses",
            "/api/v2%2Forders/statuses",
        ] {
            assert!(!o.matches(no), "{no}");
        }
    }

    #[test]
    fn parameters_fill_one_segment() {
        let o = t("/api/v*/stores/{storeCode}/orders/{id}");
        assert!(o.matches("/api/v2/stores/berlin/orders/17"));
        assert!(!o.matches("/api/v2/stores/berlin/orders/"));
        assert!(!o.matches("/api/v2/stores//orders/17"));
        assert!(!o.matches("/api/v2/stores/berlin/orders/17/lines"));
        assert_eq!(
            o.param_value("storeCode", "/api/v2/stores/berlin/orders/17"),
            Some("berlin")
        );
        assert_eq!(
            o.param_value("nope", "/api/v2/stores/berlin/orders/17"),
            None
        );
        let mixed = t("/files/{name}.json");
        assert!(mixed.matches("/files/a.json"));
        assert!(!mixed.matches("/files/.json"));
        assert!(!mixed.matches("/files/a.xml"));
    }

    #[test]
    fn root_and_bad_templates() {
        assert!(t("/").matches("/"));
        assert!(!t("/").matches("/x"));
        for bad in [
            "orders",
            "/orders/",
            "/a//b",
            "/a/{",
            "/a/{}",
            "/a/b}",
            "/a/{x}{y}",
            "/a/**",
            "/a/../b",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shapes_and_specificity() {
        assert_eq!(t("/orders/{id}").shape(), t("/orders/{orderId}").shape());
        assert_ne!(t("/orders/{id}").shape(), t("/orders/statuses").shape());
        let lit = t("/api/v*/orders/statuses");
        let param = t("/api/v*/orders/{id}");
        assert_eq!(lit.specificity(&param), Ordering::Greater);
        assert_eq!(param.specificity(&lit), Ordering::Less);
        assert_eq!(t("/a/b/{y}").specificity(&t("/a/{x}/c")), Ordering::Greater);
    }

    #[test]
    fn query_values() {
        assert_eq!(query_value("/x?store=berlin&a=1", "store"), Some("berlin"));
        assert_eq!(query_value("/x?a=1", "store"), None);
        assert_eq!(query_value("/x", "store"), None);
    }
}
