//! Network clients (and the small servers that go with them) on tokio, shared by the lab, the
//! request builder and `wirescope send`: an HTTP/1.1 client with byte counts and timings
//! (`http_client`, hyper), TLS client and server setup with key logging (`tls`, rustls), and a
//! hand-framed WebSocket with permessage-deflate (`rawws`), which tungstenite lacks. Nothing here
//! knows about scenarios or the window; the lab and the builder build on it.

pub mod http_client;
pub mod rawws;
pub mod tls;

use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock nanoseconds since the epoch (the clock packet timestamps use).
pub fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}
