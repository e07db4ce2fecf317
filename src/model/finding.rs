use super::{ConnId, PacketNo};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Something the capture shows that breaks a rule, hits a limit, or needs a person's attention.
/// `code` is stable (for scripts); `message` is for people and names the RFC section.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub connection: Option<ConnId>,
    pub packet: PacketNo,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}
