//! Every limit the engine applies to attacker-controlled input, in one place.

/// Hitting a limit is a finding on the object concerned, never a panic or an abort.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest HTTP message head (request/status line and headers).
    pub max_head: usize,
    /// Most bytes one message may inflate to (HTTP content coding, permessage-deflate).
    pub max_decompressed: u64,
    /// Out-of-order bytes buffered per stream direction before the hole is declared a gap.
    pub max_out_of_order: usize,
    /// HTTP body bytes kept in memory per message (the rest is counted, not kept).
    pub keep_body: usize,
    /// WebSocket payload bytes kept in memory per message.
    pub keep_ws_payload: usize,
    /// Findings kept per connection (further ones are counted in one last finding).
    pub max_findings_per_connection: u32,
    /// Emit one event per WebSocket frame (the app's frame view); off for plain exports.
    pub frame_events: bool,
    /// Emit one row per packet (the app's packets table).
    pub packet_rows: bool,
    // --- Content coding, WebSocket, Socket.IO (issue 15, the content work) ---
    /// Most bytes all compressed bodies and messages of one file may inflate to together (HTTP
    /// content coding and permessage-deflate). Past it they are counted, not inflated, and one
    /// `content.decompression_budget` finding says so. A load decoding on several threads gives
    /// each thread an equal share (each thread decodes its own connections, so the total holds
    /// without the threads waiting on one another).
    pub max_decompressed_per_file: u64,
    /// Payload bytes kept of a WebSocket control frame (RFC 6455 §5.5 allows 125; longer ones
    /// are a finding, and kept only this far).
    pub keep_ws_control: usize,
    /// Engine.IO packets read from one polling body at most.
    pub max_socketio_packets: usize,
    /// Window bytes the brotli decoders of one decoding thread may hold at once. A brotli stream
    /// declares its window (up to 16 MiB) in its first byte and its decoder allocates it whole,
    /// however short the body: a body whose window does not fit is counted, not decoded (a
    /// finding on it), until bodies in progress end and give theirs back.
    pub max_brotli_windows: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 64 * 1024,
            max_decompressed: 64 * 1024 * 1024,
            max_out_of_order: 4 * 1024 * 1024,
            keep_body: 1024 * 1024,
            keep_ws_payload: 64 * 1024,
            max_findings_per_connection: 200,
            frame_events: true,
            packet_rows: false,
            // --- Content coding, WebSocket, Socket.IO (issue 15, the content work) ---
            max_decompressed_per_file: 1 << 30,
            keep_ws_control: 4096,
            max_socketio_packets: 10_000,
            max_brotli_windows: 64 << 20,
        }
    }
}
