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
    // Tunnels (issue 15, tunnel decapsulation).
    /// Tunnels peeled around one packet (VXLAN in GRE is 2); a packet nested deeper is counted in
    /// `packets.tunnel_too_deep`, with one `packet.tunnel_depth_limit` finding, and not analysed.
    pub max_tunnel_depth: u8,
    // --- HTTP/1 (issue 15) ---
    /// Most header fields in one HTTP message head (more: the head is malformed).
    pub max_header_fields: usize,
    /// Longest chunk-size line (with its extensions) or trailer line of a chunked body.
    pub max_chunk_line: usize,
    /// Trailer bytes kept per chunked body (the rest is read, not kept).
    pub keep_chunk_trailer: usize,
    /// HTTP requests queued per connection waiting for their response; beyond it the oldest are
    /// emitted as unanswered exchanges (a later response is then shown without its request).
    pub max_pending_requests: usize,
    /// Client bytes held, on a connection not yet recognised, while waiting for the server's first
    /// bytes (a status line makes it HTTP whatever the client sent).
    pub max_sniff_wait: usize,
    /// Bytes of a line looked at, at most, to tell whether it starts an HTTP message, when looking
    /// for the next one after bytes that were not one.
    pub max_start_line: usize,
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
    // --- TCP tracking and reassembly (issue 15, the TCP area) ---
    /// Out-of-order segments buffered per stream direction, each after a hole (so this bounds
    /// the holes too); beyond it the first hole is declared a gap (`tcp.out_of_order_segments_limit`).
    pub max_out_of_order_segments: usize,
    /// Delivered bytes kept per stream direction until the peer acknowledges them, to compare a
    /// retransmission's bytes with the first copy (`tcp.overlap_mismatch`); beyond it the oldest
    /// are no longer compared (`tcp.unacked_limit`).
    pub keep_unacked: usize,
    /// TCP events (SYN, SYN-ACK, ACK, FIN, RST) kept per connection (`tcp.events_limit`).
    pub max_tcp_events: usize,
    /// A TCP connection without a packet for this long (capture time, nanoseconds) is finished:
    /// its streams are flushed and its decoding state freed; a later packet on the same ports
    /// starts a new connection. Five minutes, as Zeek's `tcp_inactivity_timeout`.
    pub tcp_idle_timeout: i64,
    /// Bytes TCP reassembly may hold over all connections of a file (out-of-order and kept
    /// unacknowledged); beyond it the connection adding to them gives up its holes as gaps
    /// (`tcp.reassembly_total_limit`).
    pub max_reassembly_total: usize,
    // --- Packets (issue 15) ---
    /// Findings listed per kind of packet-level problem (malformed packets, IP fragments); past
    /// it they are counted in `packets` and one finding says the listing stopped.
    pub max_packet_findings: u64,
    /// pcapng packet comments kept (past it they are counted, with one finding).
    pub max_packet_comments: usize,
    /// Window bytes the brotli decoders of one decoding thread may hold at once. A brotli stream
    /// declares its window (up to 16 MiB) in its first byte and its decoder allocates it whole,
    /// however short the body: a body whose window does not fit is counted, not decoded (a
    /// finding on it), until bodies in progress end and give theirs back.
    pub max_brotli_windows: u64,
    /// Findings about connections recorded per file, over all connections (each connection has
    /// its own cap too); past it one `findings.file_limit` finding says the rest are not recorded.
    /// A load decoding on several threads gives each an equal share.
    pub max_findings_per_file: u64,
    // --- HTTP/1 after review (issue 15, the HTTP area) ---
    /// 1xx interim responses kept with one request; more are counted, with a finding.
    pub max_interim_responses: usize,
    // --- QUIC (issue 13, QUIC Initial packets) ---
    /// CRYPTO bytes kept per QUIC flow and direction while the TLS hello is reassembled from the
    /// Initial packets (by offset); data reaching past it is not kept (`quic.crypto_limit`).
    pub max_quic_crypto: usize,
    /// CRYPTO fragments held ahead of a hole per QUIC flow and direction (`quic.crypto_limit`).
    pub max_quic_crypto_fragments: usize,
    // --- TLS decryption (issue 13) ---
    /// Longest handshake message read whole (ClientHello, ServerHello, EncryptedExtensions);
    /// a longer one is skipped, with a `tls.handshake_too_long` finding. Other messages
    /// (certificates) are stepped over without being kept.
    pub max_tls_handshake: usize,
    /// Encrypted bytes held in one direction while waiting for the other direction's ServerHello
    /// (the keys need its random and suite); past it the direction is not decrypted (`tls.no_key`).
    pub max_tls_wait: usize,
    // --- HTTP/2 (issue 13) ---
    /// HTTP/2 streams tracked at once per connection (`h2.stream_limit`): each holds its bodies
    /// up to `keep_body`. Servers usually allow 100 (SETTINGS_MAX_CONCURRENT_STREAMS).
    pub h2_max_streams: usize,
    /// Largest non-DATA HTTP/2 frame buffered whole (DATA is read as it comes); a larger one is
    /// skipped (`h2.frame_buffer_limit`).
    pub h2_max_frame_buffer: usize,
    /// Bytes of one header block (HEADERS or PUSH_PROMISE and its CONTINUATION frames) kept for
    /// HPACK decoding (`h2.header_block_limit`: the 2024 CONTINUATION floods).
    pub h2_max_header_block: usize,
    /// CONTINUATION frames of one header block shown as events (`h2.continuation_flood`).
    pub h2_max_continuations: u32,
    /// Decoded header bytes kept per block, counted as RFC 7541 §4.1 does (name + value + 32)
    /// (`h2.header_list_limit`: an HPACK bomb repeats one large table entry).
    pub h2_max_header_list: usize,
    /// Largest SETTINGS_HEADER_TABLE_SIZE followed (`h2.header_table_limit`).
    pub h2_max_header_table: usize,
    /// SETTINGS, PING and RST_STREAM frames shown per direction of a connection
    /// (`h2.settings_flood`, `h2.ping_flood`, `h2.rst_flood`: the floods of CVE-2019-9512/9515 and
    /// the 2023 rapid reset).
    pub h2_max_settings_frames: u32,
    pub h2_max_ping_frames: u32,
    pub h2_max_rst_frames: u32,
    // --- Server-Sent Events (issue 13) ---
    /// Bytes of one event-stream line kept (the rest of the line is read, not kept:
    /// `sse.line_too_long`).
    pub max_sse_line: usize,
    /// Data bytes kept per event (`data_truncated`, `sse.data_truncated`).
    pub keep_sse_data: usize,
}

/// File-format ceilings, not configurable: a length above them is corruption, reported as a clear
/// error, and nothing is allocated from it.
/// A pcap record's captured length (Wireshark's own ceiling is 256 KiB).
pub const MAX_RECORD: usize = 1 << 20;
/// A pcapng block's length.
pub const MAX_BLOCK: usize = 16 << 20;

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
            // Tunnels (issue 15).
            max_tunnel_depth: 8,
            // --- HTTP/1 (issue 15) ---
            max_header_fields: 256,
            max_chunk_line: 8192,
            keep_chunk_trailer: 16 * 1024,
            max_pending_requests: 1024,
            max_sniff_wait: 4 * 1024,
            max_start_line: 8192,
            // --- Content coding, WebSocket, Socket.IO (issue 15, the content work) ---
            max_decompressed_per_file: 1 << 30,
            keep_ws_control: 4096,
            max_socketio_packets: 10_000,
            // --- TCP tracking and reassembly (issue 15, the TCP area) ---
            max_out_of_order_segments: 4096,
            keep_unacked: 256 * 1024,
            max_tcp_events: 32,
            tcp_idle_timeout: 300_000_000_000,
            max_reassembly_total: 256 * 1024 * 1024,
            // --- Packets (issue 15) ---
            max_packet_findings: 100,
            max_packet_comments: 100_000,
            max_findings_per_file: 100_000,
            max_brotli_windows: 64 << 20,
            // --- HTTP/1 after review (issue 15, the HTTP area) ---
            max_interim_responses: 16,
            // --- QUIC (issue 13) ---
            max_quic_crypto: 64 * 1024,
            max_quic_crypto_fragments: 64,
            // --- TLS decryption (issue 13) ---
            max_tls_handshake: 64 * 1024,
            max_tls_wait: 256 * 1024,
            // --- HTTP/2 (issue 13) ---
            h2_max_streams: 128,
            h2_max_frame_buffer: 1 << 20,
            h2_max_header_block: 256 * 1024,
            h2_max_continuations: 256,
            h2_max_header_list: 256 * 1024,
            h2_max_header_table: 64 * 1024,
            h2_max_settings_frames: 1000,
            h2_max_ping_frames: 1000,
            h2_max_rst_frames: 1000,
            // --- Server-Sent Events (issue 13) ---
            max_sse_line: 64 * 1024,
            keep_sse_data: 64 * 1024,
        }
    }
}
