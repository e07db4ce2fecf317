//! The values the engine produces: connections, HTTP exchanges, WebSocket messages and frames,
//! findings. Pure data, serialisable; the JSON contract in README.md is these types.

mod capture;
mod direction;
mod finding;
mod headers;

pub use capture::{Capture, PacketSummary};
pub use direction::{Dir, PerDir};
pub use finding::{Finding, Severity};
pub use headers::{Fields, Headers};

use serde::Serialize;

/// Nanoseconds since the Unix epoch, taken from packet timestamps (never from a clock).
pub type Nanos = i64;

/// A connection's index, in order of its first packet (Wireshark's `tcp.stream` for TCP-only files).
pub type ConnId = u32;

/// Packet numbers count from 1 in file order, as Wireshark shows them.
pub type PacketNo = u64;

pub fn nanos_to_secs(ns: Nanos) -> f64 {
    ns as f64 / 1e9
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// What the engine recognised on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Not decided yet (no payload seen so far).
    Unknown,
    Http,
    Websocket,
    Tls,
    Http2,
    Quic,
    Tcp,
    Udp,
}

impl Protocol {
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Unknown => "?",
            Protocol::Http => "HTTP",
            Protocol::Websocket => "WebSocket",
            Protocol::Tls => "TLS",
            Protocol::Http2 => "HTTP/2",
            Protocol::Quic => "QUIC",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

/// How a connection ended, as far as the capture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// Both sides sent FIN.
    Fin,
    /// Only one side sent FIN before the capture ended.
    HalfClosed,
    /// A RST ended it.
    Rst,
    /// Still open when the capture ended.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TcpEventKind {
    #[serde(rename = "SYN")]
    Syn,
    #[serde(rename = "SYN-ACK")]
    SynAck,
    #[serde(rename = "ACK")]
    HandshakeAck,
    #[serde(rename = "FIN")]
    Fin,
    #[serde(rename = "RST")]
    Rst,
}

/// A handshake or teardown step, timed.
#[derive(Debug, Clone, Serialize)]
pub struct TcpEvent {
    pub kind: TcpEventKind,
    pub direction: Dir,
    pub packet: PacketNo,
    pub time: f64,
}

/// Segments flagged as Wireshark's `tcp.analysis` flags flag them (the rules of the Wireshark
/// User's Guide, "TCP Analysis"; one count per flagged packet, both directions together), and
/// segments outside the receiver's advertised window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TcpAnalysis {
    /// `tcp.analysis.retransmission` (fast and spurious ones included, as in Wireshark).
    pub retransmission: u32,
    pub fast_retransmission: u32,
    pub spurious_retransmission: u32,
    pub out_of_order: u32,
    pub lost_segment: u32,
    pub ack_lost_segment: u32,
    pub duplicate_ack: u32,
    pub keep_alive: u32,
    pub keep_alive_ack: u32,
    pub zero_window: u32,
    pub zero_window_probe: u32,
    pub zero_window_probe_ack: u32,
    pub window_full: u32,
    pub window_update: u32,
    /// Data beyond the right edge of the window the receiver advertised (not a Wireshark flag).
    pub outside_window: u32,
    /// RSTs outside the receiver's window, ignored (RFC 5961 §3.2; not a Wireshark flag).
    pub rst_outside_window: u32,
}

impl TcpAnalysis {
    /// Wireshark's flags by their name under `tcp.analysis.` (`"duplicate_ack"`), in its order.
    pub const FLAGS: [&'static str; 14] = [
        "retransmission",
        "fast_retransmission",
        "spurious_retransmission",
        "out_of_order",
        "lost_segment",
        "ack_lost_segment",
        "duplicate_ack",
        "keep_alive",
        "keep_alive_ack",
        "zero_window",
        "zero_window_probe",
        "zero_window_probe_ack",
        "window_full",
        "window_update",
    ];

    /// The count of one Wireshark flag, by its name under `tcp.analysis.`.
    pub fn count(&self, flag: &str) -> Option<u32> {
        Some(match flag {
            "retransmission" => self.retransmission,
            "fast_retransmission" => self.fast_retransmission,
            "spurious_retransmission" => self.spurious_retransmission,
            "out_of_order" => self.out_of_order,
            "lost_segment" => self.lost_segment,
            "ack_lost_segment" => self.ack_lost_segment,
            "duplicate_ack" => self.duplicate_ack,
            "keep_alive" => self.keep_alive,
            "keep_alive_ack" => self.keep_alive_ack,
            "zero_window" => self.zero_window,
            "zero_window_probe" => self.zero_window_probe,
            "zero_window_probe_ack" => self.zero_window_probe_ack,
            "window_full" => self.window_full,
            "window_update" => self.window_update,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsInfo {
    pub version: Option<String>,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    /// The suite the server chose (IANA name, e.g. "TLS_AES_128_GCM_SHA256").
    pub cipher_suite: Option<String>,
    /// Records were decrypted with keys from a key log: the inner protocol is decoded.
    pub decrypted: bool,
}

/// What a QUIC flow's long headers and Initial packets showed (RFC 9000 §17.2, RFC 9001 §5.2).
/// The ClientHello's SNI and ALPN and the ServerHello's version are in the connection's `tls`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuicInfo {
    /// The version of the first long header, as tshark's `quic.version` prints it ("0x00000001").
    pub version: String,
    /// Its name: "QUIC v1", "QUIC v2", "draft-29", ...
    pub version_name: String,
    /// The Destination Connection ID of the client's first Initial (the Initial keys come from it), hex.
    pub dcid: Option<String>,
    /// The connection ID the client chose (its Initial's Source Connection ID), hex.
    pub client_cid: Option<String>,
    /// The connection ID the server chose (its Initial's, or Retry's, Source Connection ID), hex.
    pub server_cid: Option<String>,
    /// Initial packets each way (each of several coalesced in one datagram counts).
    pub initial_packets_client_to_server: u32,
    pub initial_packets_server_to_client: u32,
    /// Initial packets whose protection was removed and payload decrypted.
    pub initials_decrypted: u32,
    /// Handshake, 0-RTT and short-header (1-RTT) packets, both ways: counted, not decrypted.
    pub handshake_packets: u32,
    pub zero_rtt_packets: u32,
    pub short_header_packets: u32,
    /// A Retry packet was seen.
    pub retry: bool,
    /// The versions a Version Negotiation packet offered (at most 16).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offered_versions: Vec<String>,
    /// The ClientHello and the ServerHello were read from the Initial CRYPTO frames.
    pub client_hello: bool,
    pub server_hello: bool,
    /// A CONNECTION_CLOSE in an Initial: its error code (hex) and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<String>,
}

/// What the upgrade handshake said, and whether the Accept value checks out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WsHandshake {
    /// False when the session was recognised from frames alone (upgrade not captured).
    pub upgrade_captured: bool,
    pub request_packet: Option<PacketNo>,
    pub response_packet: Option<PacketNo>,
    pub key: Option<String>,
    pub accept: Option<String>,
    pub expected_accept: Option<String>,
    pub accept_ok: Option<bool>,
    pub version: Option<String>,
    pub subprotocol: Option<String>,
    pub extensions: Option<String>,
    pub permessage_deflate: Option<DeflateParams>,
    /// Close codes sent each way (None: no close frame that way, or one without a code).
    pub client_close_code: Option<u16>,
    pub server_close_code: Option<u16>,
    pub close_frames: u32,
    /// Who sent the first close frame.
    pub close_initiator: Option<Dir>,
    /// The connection ended without any close frame: endpoints report 1006 Abnormal Closure.
    pub abnormal_close: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DeflateParams {
    pub client_no_context_takeover: bool,
    pub server_no_context_takeover: bool,
    pub client_max_window_bits: u8,
    pub server_max_window_bits: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub id: ConnId,
    pub transport: Transport,
    /// "ip:port", IPv6 as "[addr]:port".
    pub client: String,
    pub server: String,
    pub protocol: Protocol,
    /// True when client and server were guessed (no SYN seen).
    pub roles_guessed: bool,
    pub first_packet: PacketNo,
    pub last_packet: PacketNo,
    pub start_time: f64,
    pub end_time: f64,
    pub packets_client_to_server: u64,
    pub packets_server_to_client: u64,
    pub bytes_client_to_server: u64,
    pub bytes_server_to_client: u64,
    /// Retransmitted and out-of-order segments as Wireshark counts them (the same as
    /// `tcp_analysis.retransmission` and `.out_of_order`).
    pub retransmissions: u64,
    pub out_of_order: u64,
    /// Bytes never captured, delivered to decoders as gaps.
    pub gap_bytes: u64,
    pub handshake_rtt_ms: Option<f64>,
    pub end: End,
    pub closed_by: Option<Dir>,
    pub tcp_events: Vec<TcpEvent>,
    /// Wireshark's TCP analysis counts (all zero for UDP).
    pub tcp_analysis: TcpAnalysis,
    pub http_exchanges: u32,
    pub websocket_messages: u32,
    pub tls: Option<TlsInfo>,
    pub websocket: Option<WsHandshake>,
    /// A QUIC flow's long-header facts and its decrypted Initial packets (UDP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quic: Option<QuicInfo>,
    /// The tunnel the connection was carried in, as its first packet showed it, e.g.
    /// "VXLAN 10.0.0.1→10.0.0.2 VNI 42"; `client` and `server` are then the inner addresses.
    pub tunnel: Option<String>,
}

/// One HTTP message head and body figures.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRequest {
    /// The packet in which the request ends.
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    /// A standard method is a static string (no allocation per request).
    pub method: std::borrow::Cow<'static, str>,
    pub target: String,
    /// The raw request line when it breaks RFC 9112 §3 and was read leniently (method, target and
    /// version above are then as far as they could be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed_line: Option<String>,
    /// "HTTP/1.1", "HTTP/1.0", "HTTP/0.9" or "HTTP/1.?": a static string.
    pub version: std::borrow::Cow<'static, str>,
    pub headers: Headers,
    pub head_len: usize,
    pub body_len: u64,
    pub wire_body_len: u64,
    pub start_time: f64,
    pub end_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpResponse {
    /// The packet in which the response ends.
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    pub status: u16,
    pub reason: String,
    /// "HTTP/1.1", "HTTP/1.0", "HTTP/0.9" or "HTTP/1.?": a static string.
    pub version: std::borrow::Cow<'static, str>,
    pub headers: Headers,
    pub head_len: usize,
    /// Body length after transfer and content decoding.
    pub body_len: u64,
    /// Body bytes on the wire (chunk framing included).
    pub wire_body_len: u64,
    pub chunked: bool,
    pub content_encoding: Option<String>,
    /// True when the body ended with the connection (no length given).
    pub until_close: bool,
    /// False when the body was cut short (gap, or the capture ended).
    pub complete: bool,
    pub start_time: f64,
    pub end_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// Body bytes kept in memory (up to the configured limit), decoded when a content coding applied.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// True when `bytes` holds less than the whole body.
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpExchange {
    pub connection: ConnId,
    /// Position of this exchange on its connection, from 0.
    pub index: u32,
    pub request: Option<HttpRequest>,
    pub response: Option<HttpResponse>,
    /// 1xx responses before the final one (100 Continue, 103 Early Hints, 101 is the final one).
    pub interim: Vec<HttpResponse>,
    /// Requests already waiting for a response when this one was sent (pipelining).
    pub pipelined_behind: u32,
    /// Time from the end of the request to the first byte of the response.
    pub ttfb_ms: Option<f64>,
    /// Time from the first byte of the request to the last byte of the response.
    pub duration_ms: Option<f64>,
    /// A request seen only under another reading of the framing of the request before it
    /// (request smuggling, RFC 9112 §11.2): not part of the reading the decoder follows, never
    /// answered, not counted in the connection's exchanges. In JSON only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub other_reading: bool,
    /// The HTTP/2 (or HTTP/3) stream the exchange was carried on; none for HTTP/1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<u32>,
}

/// An HTTP/2 frame (RFC 9113 §6) as it crossed the connection: each is an event so that the
/// ladder can draw connection frames (SETTINGS, PING, WINDOW_UPDATE, GOAWAY) and stream resets.
#[derive(Debug, Clone, Serialize)]
pub struct H2Frame {
    pub connection: ConnId,
    pub direction: Dir,
    /// The packet that completed the frame, and the one it started in.
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    pub time: f64,
    /// Stream identifier (0 for connection frames).
    pub stream: u32,
    /// The frame type's name ("DATA", "HEADERS", "SETTINGS" ...; "UNKNOWN(0x..)" otherwise).
    pub kind: std::borrow::Cow<'static, str>,
    pub flags: u8,
    /// Payload length from the frame header.
    pub len: u32,
    /// What the frame says, in short: "ACK", "error=CANCEL", "+65535", "SETTINGS_MAX_CONCURRENT_STREAMS=100".
    pub detail: String,
}

/// One TLS record (RFC 8446 §5.1, RFC 5246 §6.2) as it crossed the connection: what anyone on
/// the path sees of TLS (type and size), and, when a key log opened it, the plaintext's type and
/// size. Only with `Limits::frame_events` (the app turns it on, for the ladder); not in the JSON.
#[derive(Debug, Clone, Serialize)]
pub struct TlsRecord {
    pub connection: ConnId,
    pub direction: Dir,
    /// The packet that completed the record, and the one it started in.
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    pub time: f64,
    /// The record header's content type (20 ChangeCipherSpec, 21 Alert, 22 Handshake, 23 ApplicationData).
    pub content_type: u8,
    /// The record's length on the wire, without its 5-byte header.
    pub len: u32,
    /// A plaintext handshake record: its first message's type (1 ClientHello, 2 ServerHello ...).
    pub handshake: Option<u8>,
    /// Decrypted: the inner content type and the plaintext's length (tag and padding removed).
    pub plaintext: Option<(u8, u32)>,
}

/// One Server-Sent Event (text/event-stream, WHATWG HTML §9.2) from a response body.
#[derive(Debug, Clone, Serialize)]
pub struct SseEvent {
    pub connection: ConnId,
    /// The exchange whose response carries the stream (its `index`), and its HTTP/2 stream.
    pub exchange: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<u32>,
    /// The packet that completed the event (its blank line), and the one it started in.
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    pub time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The `event:` field; none means "message".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<u64>,
    /// `data` was cut at the limit.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub data_truncated: bool,
}

/// A WebSocket frame as it appeared on the wire.
#[derive(Debug, Clone, Serialize)]
pub struct WsFrame {
    pub connection: ConnId,
    pub direction: Dir,
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    pub time: f64,
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub mask_key: Option<[u8; 4]>,
    /// 7, 16 or 64: which length form the header used.
    pub length_form: u8,
    pub header_len: u8,
    pub payload_len: u64,
}

/// A WebSocket message: one data message (all its fragments) or one control frame.
#[derive(Debug, Clone, Serialize)]
pub struct WsMessage {
    pub connection: ConnId,
    pub direction: Dir,
    pub opcode: u8,
    pub frames: u32,
    pub compressed: bool,
    /// Payload length after inflating.
    pub len: u64,
    /// Payload bytes on the wire.
    pub wire_len: u64,
    pub packet: PacketNo,
    pub first_packet: PacketNo,
    pub time: f64,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
    /// Payload bytes kept (unmasked, inflated), up to the configured limit.
    #[serde(skip)]
    pub payload: Vec<u8>,
    /// True when `payload` holds less than `len` bytes.
    pub payload_truncated: bool,
}

/// One packet as the packets table shows it. Bytes are not kept: `file_offset` reads them back.
#[derive(Debug, Clone)]
pub struct PacketRow {
    pub number: PacketNo,
    pub ts: Nanos,
    /// Captured length.
    pub len: u32,
    pub link_type: u32,
    pub file_offset: u64,
    pub src: Option<core::net::IpAddr>,
    pub dst: Option<core::net::IpAddr>,
    pub src_port: u16,
    pub dst_port: u16,
    pub kind: RowKind,
    pub connection: Option<ConnId>,
    pub direction: Option<Dir>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Tcp { flags: u8, seq: u32, ack: u32, window: u16, payload: u32 },
    Udp { payload: u32 },
    OtherIp { protocol: u8 },
    NotIp,
    Malformed,
}

/// A decoded fact, in the order the engine learnt it. Connections are reported at the end
/// (their figures keep changing) and, for live views, as snapshots.
#[derive(Debug, Clone)]
pub enum Event {
    Packet(PacketRow),
    Http(Box<HttpExchange>),
    WsFrame(Box<WsFrame>),
    WsMessage(Box<WsMessage>),
    H2Frame(Box<H2Frame>),
    Sse(Box<SseEvent>),
    TlsRecord(Box<TlsRecord>),
    Finding(Finding),
}
