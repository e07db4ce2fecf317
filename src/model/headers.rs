//! Header fields of one HTTP message head, in wire order.
//!
//! A large capture holds millions of header fields; a `String` for every name and value was the
//! biggest share of the engine's allocations. Here a whole head is one string plus a span per field.
//! Serialised as a JSON array of `[name, value]` pairs.

use serde::ser::{Serialize, SerializeSeq, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    name: u32,
    name_len: u32,
    value: u32,
    value_len: u32,
}

/// Equal when the fields are (names, values and order), however the text holding them is laid out.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    text: String,
    spans: Vec<Span>,
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

impl Headers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `fields` fields of `bytes` bytes in all.
    pub fn with_capacity(fields: usize, bytes: usize) -> Self {
        Headers { text: String::with_capacity(bytes), spans: Vec::with_capacity(fields) }
    }

    /// The fields of a parsed head in one copy: `fields` are (name, value) slices of `head`, in
    /// order; spaces and tabs around values are left out (RFC 9110 §5.5). The text kept is the part
    /// of the head from the first name to the end of the last value, separators included. `None`
    /// when a field does not lie inside `head`, in order, on character boundaries (then
    /// [`Headers::push`] each field instead).
    pub fn from_head<'h>(head: &'h str, fields: impl ExactSizeIterator<Item = (&'h [u8], &'h [u8])>) -> Option<Headers> {
        let base = head.as_ptr() as usize;
        let ok = |at: usize| head.is_char_boundary(at);
        let mut spans = Vec::with_capacity(fields.len());
        let mut end = 0;
        for (n, v) in fields {
            let v = trim_sp_ht(v);
            let n_at = (n.as_ptr() as usize).checked_sub(base)?;
            let v_at = (v.as_ptr() as usize).checked_sub(base)?;
            let v_end = v_at.checked_add(v.len())?;
            if n_at < end || v_at < n_at + n.len() || v_end > head.len() || !(ok(n_at) && ok(n_at + n.len()) && ok(v_at) && ok(v_end)) {
                return None;
            }
            end = v_end;
            spans.push(Span { name: n_at as u32, name_len: n.len() as u32, value: v_at as u32, value_len: v.len() as u32 });
        }
        let first = spans.first().map_or(0, |s| s.name);
        let text = head.get(first as usize..end)?;
        u32::try_from(end).ok()?;
        for s in &mut spans {
            s.name -= first;
            s.value -= first;
        }
        Some(Headers { text: text.to_string(), spans })
    }

    /// Adds a field at the end. A head is never near 4 GiB (heads are capped long before), but a
    /// field that would not fit is dropped rather than mis-indexed.
    pub fn push(&mut self, name: &str, value: &str) {
        let (Ok(name_at), Ok(name_len), Ok(value_len)) =
            (u32::try_from(self.text.len()), u32::try_from(name.len()), u32::try_from(value.len()))
        else {
            return;
        };
        let Some(value_at) = name_at.checked_add(name_len).filter(|v| v.checked_add(value_len).is_some()) else {
            return;
        };
        self.text.push_str(name);
        self.text.push_str(value);
        self.spans.push(Span { name: name_at, name_len, value: value_at, value_len });
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    fn field(&self, s: Span) -> (&str, &str) {
        let (n, v) = (s.name as usize, s.value as usize);
        (self.text.get(n..n + s.name_len as usize).unwrap_or(""), self.text.get(v..v + s.value_len as usize).unwrap_or(""))
    }

    /// The field at `i`, in wire order.
    pub fn get(&self, i: usize) -> Option<(&str, &str)> {
        self.spans.get(i).map(|s| self.field(*s))
    }

    pub fn iter(&self) -> Fields<'_> {
        Fields { headers: self, spans: self.spans.iter() }
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.spans
            .iter()
            .filter(|s| s.name_len as usize == name.len())
            .map(|s| self.field(*s))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every value of the field `name` (case-insensitive), in order. Fields whose name has another
    /// length are passed over without being looked at (this runs several times per message).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.spans
            .iter()
            .filter(move |s| s.name_len as usize == name.len())
            .map(|s| self.field(*s))
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// True when some `name` field lists `token` (comma-separated, case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.values(name).any(|v| v.split(',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token)))
    }

    /// Owned pairs, for editing (the request builder).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }
}

/// Without the spaces and tabs at either end.
fn trim_sp_ht(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// The fields of a head as `(name, value)`, in wire order.
#[derive(Clone)]
pub struct Fields<'a> {
    headers: &'a Headers,
    spans: core::slice::Iter<'a, Span>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        self.spans.next().map(|s| self.headers.field(*s))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl DoubleEndedIterator for Fields<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.spans.next_back().map(|s| self.headers.field(*s))
    }
}

impl ExactSizeIterator for Fields<'_> {}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a str);
    type IntoIter = Fields<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut h = Headers::new();
        h.extend(iter);
        h
    }
}

impl<N: AsRef<str>, V: AsRef<str>> Extend<(N, V)> for Headers {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        for (n, v) in iter {
            self.push(n.as_ref(), v.as_ref());
        }
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for pair in self.iter() {
            seq.serialize_element(&pair)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_order_case_and_duplicates() {
        let h: Headers =
            [("Host", "a"), ("set-cookie", "x=1"), ("Set-Cookie", "y=2"), ("Connection", "keep-alive, Upgrade"), ("Empty", "")]
                .into_iter()
                .collect();
        assert_eq!(h.len(), 5);
        assert_eq!(h.get(1), Some(("set-cookie", "x=1")));
        assert_eq!(h.get(4), Some(("Empty", "")));
        assert_eq!(h.get(5), None);
        assert_eq!(h.value("SET-COOKIE"), Some("x=1"));
        assert_eq!(h.values("set-cookie").collect::<Vec<_>>(), ["x=1", "y=2"]);
        assert!(h.has_token("connection", "upgrade"));
        assert!(!h.has_token("connection", "close"));
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"[["Host","a"],["set-cookie","x=1"],["Set-Cookie","y=2"],["Connection","keep-alive, Upgrade"],["Empty",""]]"#
        );
        assert_eq!(h.to_pairs()[3], ("Connection".to_string(), "keep-alive, Upgrade".to_string()));
    }

    #[test]
    fn a_head_is_kept_in_one_copy_and_equals_the_same_fields_pushed() {
        let head = "GET / HTTP/1.1\r\nHost: a\r\nX-Empty: \r\nAccept:  text/html \r\n\r\n";
        // As httparse gives them: names, and values after the leading spaces.
        let find = |s: &str| head[head.find(s).unwrap()..][..s.len()].as_bytes();
        let fields = [(find("Host"), find("a")), (find("X-Empty"), &find("X-Empty: ")[9..]), (find("Accept"), find(" text/html "))];
        let h = Headers::from_head(head, fields.iter().copied()).unwrap();
        let want = [("Host", "a"), ("X-Empty", ""), ("Accept", "text/html")];
        assert_eq!(h.iter().collect::<Vec<_>>(), want);
        assert_eq!(h.text, "Host: a\r\nX-Empty: \r\nAccept:  text/html");
        assert_eq!(h, want.into_iter().collect::<Headers>());
        assert_ne!(h, [("Host", "a")].into_iter().collect::<Headers>());
        // Slices from elsewhere, or out of order, are refused.
        assert!(Headers::from_head(head, [(&b"Host"[..], &b"a"[..])].into_iter()).is_none());
        assert!(Headers::from_head(head, [fields[2], fields[0]].into_iter()).is_none());
        assert_eq!(Headers::from_head(head, [].into_iter()), Some(Headers::new()));
    }
}
