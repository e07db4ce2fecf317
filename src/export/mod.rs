//! Writing what was decoded: JSON (the documented contract), HAR 1.2 and the text summary. Pure
//! formatting into any `Write`; the file itself is written by `crate::fs::write_atomic`, and
//! captures are copied and written by `crate::source`.

pub mod compact;
pub mod har;
pub mod json;
pub mod records;
pub mod text;

/// How many payload bytes to print per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadLimit {
    Bytes(usize),
    All,
}

impl PayloadLimit {
    pub fn bytes(self) -> usize {
        match self {
            PayloadLimit::Bytes(n) => n,
            PayloadLimit::All => usize::MAX,
        }
    }
}

impl std::str::FromStr for PayloadLimit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(PayloadLimit::All);
        }
        s.parse().map(PayloadLimit::Bytes).map_err(|_| format!("expected a number of bytes or \"all\", got \"{s}\""))
    }
}
