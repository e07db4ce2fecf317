//! Messy and hostile traffic (issue 15): captures built inside the tests to cost rather than to
//! break, and real-world oddities. Cost is bounded by work counted (bytes allocated and held, as the
//! counting allocator below sees them, and counters the engine keeps), never by wall time.

mod alloc;
mod content;
mod handover;
mod http;
mod http2;
mod quic;
mod sse;
mod tcp;
mod tunnel;
