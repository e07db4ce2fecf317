//! wirescope: an HTTP and WebSocket traffic analyzer and teaching tool.
//!
//! Data flows one way:
//! ```text
//! source (file | live) --packets--> dissect --IP/TCP--> flow (per-connection reassembly)
//!   --stream chunks (data | gap | end)--> proto (http1, websocket, tls, socketio)
//!   --events--> model::Capture --read by--> analysis, export, the app
//! ```
//! `dissect`, `flow`, `proto`, `model`, `analysis` and `engine` are pure: bytes in, values out, no
//! I/O and no clock (time comes from packet timestamps). `source` (capture files in and out),
//! `export` and `fs` (whole-file writes) do the I/O; `lab` runs the classroom servers and clients on
//! tokio. tests/architecture.rs holds which module may import which.

pub mod analysis;
pub mod app;
pub mod builder;
pub mod dissect;
pub mod engine;
pub mod export;
pub mod flow;
pub mod fs;
pub mod lab;
pub mod limits;
pub mod load;
pub mod model;
pub mod net;
pub mod proto;
pub mod source;
pub mod synth;

pub use engine::Engine;
pub use limits::Limits;
