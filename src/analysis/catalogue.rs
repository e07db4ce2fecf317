//! The bilingual catalogue of texts the engine does not say itself: what each finding code means
//! (the engine's messages stay English and exact; the window and the Chinese text summary read
//! these by code) and the Chinese lessons of the bundled examples (their English lessons are the
//! table in captures/README.md). Pure data.

use super::explain::Lang;
use crate::model::Finding;

/// One text in both languages, found by a key.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

const fn e(key: &'static str, en: &'static str, zh: &'static str) -> Entry {
    Entry { key, en, zh }
}

/// Every finding code the engine can emit (src/proto, src/flow, src/engine.rs), with a general
/// explanation. The English one is for lists and scripts; a finding's own message says more.
pub const FINDINGS: &[Entry] = &[
    e("link.unsupported", "Packets of an unsupported link type are skipped.", "不支持该链路类型，这类数据包已跳过。"),
    e("packet.malformed", "A malformed packet: its headers cannot be decoded.", "畸形数据包：无法解析其协议头。"),
    e("ip.fragment", "An IP fragment: fragments are flagged, not reassembled.", "IP 分片：只做标记，不做重组。"),
    e(
        "findings.limit",
        "More findings on this connection were not recorded (the per-connection limit was reached).",
        "这条连接上还有更多问题未被记录（已达到每条连接的上限）。",
    ),
    e(
        "tcp.gap",
        "Bytes were not captured; decoding resumes at the next message that can be recognised.",
        "有字节未被抓到；从下一个能识别的消息处继续解析。",
    ),
    e(
        "http.head_too_large",
        "A message head is too long and has no end; decoding skips to the next message.",
        "报文头部过长且没有结束标记；跳到下一个报文继续解析。",
    ),
    e(
        "http.malformed_request",
        "Malformed request head (RFC 9112 §3); decoding skips to the next request.",
        "请求头部格式错误（RFC 9112 §3）；跳到下一个请求继续解析。",
    ),
    e(
        "http.malformed_response",
        "Malformed response head (RFC 9112 §4); decoding skips to the next response.",
        "响应头部格式错误（RFC 9112 §4）；跳到下一个响应继续解析。",
    ),
    e(
        "http.http09",
        "HTTP/0.9 request (no version, no headers): the response is raw bytes until the connection closes (RFC 9112 Appendix C.1).",
        "HTTP/0.9 请求（没有版本号和头部）：响应是原始字节，直到连接关闭（RFC 9112 附录 C.1）。",
    ),
    e(
        "http.unknown_method",
        "Unknown request method (RFC 9110 §9.1 lists the standard ones).",
        "未知的请求方法（标准方法见 RFC 9110 §9.1）。",
    ),
    e(
        "http.te_and_cl",
        "Both Transfer-Encoding and Content-Length: Transfer-Encoding wins, but this is how request smuggling starts (RFC 9112 §6.3, §11.2).",
        "同时出现 Transfer-Encoding 和 Content-Length：以 Transfer-Encoding 为准，但这正是请求走私的开端（RFC 9112 §6.3、§11.2）。",
    ),
    e(
        "http.te_not_chunked",
        "The request's Transfer-Encoding does not end in chunked, so its length cannot be determined (RFC 9112 §6.3).",
        "请求的 Transfer-Encoding 最后一项不是 chunked，无法确定其长度（RFC 9112 §6.3）。",
    ),
    e(
        "http.bad_content_length",
        "Invalid Content-Length: the message length cannot be determined (RFC 9112 §6.3).",
        "Content-Length 无效：无法确定报文长度（RFC 9112 §6.3）。",
    ),
    e(
        "http.response_without_request",
        "A response has no captured request (the capture may have started mid-connection).",
        "响应没有对应的已抓到的请求（抓包可能是在连接中途开始的）。",
    ),
    e(
        "http.no_response",
        "A request got no response in this capture.",
        "请求在这次抓包中没有得到响应。",
    ),
    e(
        "http.bad_chunk",
        "A bad chunk in a chunked body (RFC 9112 §7.1): the body ends there, and decoding resumes at the next line that starts a message.",
        "分块正文中有错误的分块（RFC 9112 §7.1）：正文到此结束，从下一个消息开头的行继续解析。",
    ),
    e(
        "http.decompression_limit",
        "The body inflates past the decompression limit; decoding stopped there.",
        "正文解压后超过了解压上限；解码在此停止。",
    ),
    e(
        "http.content_decoding_failed",
        "The body does not decode with its Content-Encoding.",
        "正文无法按其 Content-Encoding 解码。",
    ),
    e(
        "http.body_incomplete",
        "A message body is incomplete: bytes are missing from the capture, or the connection ended early.",
        "报文正文不完整：抓包中缺少字节，或连接提前结束。",
    ),
    e(
        "http.body_gap",
        "Bytes of a message body were not captured; the body is incomplete.",
        "报文正文有字节未被抓到；正文不完整。",
    ),
    e(
        "http.incomplete_head",
        "The stream ended in the middle of a message head.",
        "数据流在报文头部中间结束。",
    ),
    e(
        "http.obs_fold",
        "A header field value is folded over several lines (obs-fold), which RFC 9112 §5.2 deprecates; unfolded with spaces.",
        "头部字段的值折行写成了多行（obs-fold），RFC 9112 §5.2 已废弃这种写法；已用空格合并。",
    ),
    e(
        "ws.upgrade_not_captured",
        "WebSocket frames without a captured upgrade (the capture started after the handshake): recognised from the frame headers.",
        "没有抓到升级握手的 WebSocket 帧（抓包在握手之后才开始）：根据帧头识别。",
    ),
    e(
        "ws.bad_accept",
        "Sec-WebSocket-Accept does not match the key (RFC 6455 §4.2.2).",
        "Sec-WebSocket-Accept 与 Sec-WebSocket-Key 不匹配（RFC 6455 §4.2.2）。",
    ),
    e(
        "ws.missing_key",
        "The upgrade request has no Sec-WebSocket-Key (RFC 6455 §4.1).",
        "升级请求中没有 Sec-WebSocket-Key（RFC 6455 §4.1）。",
    ),
    e(
        "ws.unmasked_client_frame",
        "A client frame is not masked (RFC 6455 §5.1: every client-to-server frame MUST be masked).",
        "客户端的帧没有加掩码（RFC 6455 §5.1：客户端发往服务器的每一帧都必须加掩码）。",
    ),
    e(
        "ws.masked_server_frame",
        "A server frame is masked (RFC 6455 §5.1: a server MUST NOT mask).",
        "服务器的帧加了掩码（RFC 6455 §5.1：服务器不得加掩码）。",
    ),
    e("ws.reserved_opcode", "A reserved opcode (RFC 6455 §5.2).", "使用了保留的操作码（RFC 6455 §5.2）。"),
    e(
        "ws.reserved_bits",
        "RSV bits set without an extension that defines them (RFC 6455 §5.2, RFC 7692 §6).",
        "设置了 RSV 位，但没有协商定义它们的扩展（RFC 6455 §5.2、RFC 7692 §6）。",
    ),
    e(
        "ws.length_msb",
        "A 64-bit payload length has its most significant bit set (RFC 6455 §5.2).",
        "64 位载荷长度的最高位被置 1（RFC 6455 §5.2）。",
    ),
    e(
        "ws.non_minimal_length",
        "The payload length does not use the shortest form, as RFC 6455 §5.2 asks.",
        "载荷长度没有使用最短的编码形式（RFC 6455 §5.2 要求用最短形式）。",
    ),
    e(
        "ws.fragmented_control",
        "A control frame is fragmented (RFC 6455 §5.5: control frames MUST NOT be fragmented).",
        "控制帧被分片了（RFC 6455 §5.5：控制帧不得分片）。",
    ),
    e(
        "ws.control_too_long",
        "A control frame carries more than 125 bytes (RFC 6455 §5.5).",
        "控制帧的载荷超过 125 字节（RFC 6455 §5.5）。",
    ),
    e(
        "ws.unexpected_continuation",
        "A continuation frame with no message to continue (RFC 6455 §5.4).",
        "出现了延续帧，但前面没有未完成的消息（RFC 6455 §5.4）。",
    ),
    e(
        "ws.rsv1_on_continuation",
        "RSV1 set on a continuation frame (RFC 7692 §6.1: only the first frame of a message).",
        "延续帧设置了 RSV1（RFC 7692 §6.1：只有消息的第一帧可以设置）。",
    ),
    e(
        "ws.interleaved_data",
        "A new data message started before the previous one finished (RFC 6455 §5.4).",
        "上一条数据消息还没结束，新的数据消息就开始了（RFC 6455 §5.4）。",
    ),
    e(
        "ws.decompression_limit",
        "A compressed message inflates past the decompression limit; decoding of it stopped there.",
        "压缩消息解压后超过了解压上限；该消息的解码在此停止。",
    ),
    e(
        "ws.inflate_failed",
        "permessage-deflate data does not inflate (RFC 7692 §7.2.2).",
        "permessage-deflate 数据无法解压（RFC 7692 §7.2.2）。",
    ),
    e(
        "ws.bad_close_payload",
        "A close frame with a 1-byte payload (RFC 6455 §5.5.1: a body starts with a 2-byte code).",
        "关闭帧的载荷只有 1 个字节（RFC 6455 §5.5.1：载荷应以 2 字节的关闭码开头）。",
    ),
    e(
        "ws.invalid_close_code",
        "A close code that may not be sent in a close frame (RFC 6455 §7.4).",
        "关闭帧中使用了不允许发送的关闭码（RFC 6455 §7.4）。",
    ),
    e(
        "ws.invalid_utf8",
        "A text message or close reason is not valid UTF-8 (RFC 6455 §5.5.1, §8.1).",
        "文本消息或关闭原因不是有效的 UTF-8（RFC 6455 §5.5.1、§8.1）。",
    ),
    e(
        "sse.line_too_long",
        "An event-stream line is longer than the limit: only its start is kept.",
        "事件流（SSE）中有一行超过长度上限：只保留了开头部分。",
    ),
    e(
        "sse.data_truncated",
        "A Server-Sent Event's data is longer than the limit: it is cut there.",
        "一条服务器发送事件（SSE）的数据超过上限：在上限处截断。",
    ),
    e(
        "sse.incomplete_event",
        "The event stream ended inside an event (no blank line after it): a browser discards that event.",
        "事件流在一条事件中途结束（后面没有空行）：浏览器会丢弃这条事件。",
    ),
    e(
        "ws.payload_gap",
        "Payload bytes were not captured; the message is incomplete.",
        "有载荷字节未被抓到；消息不完整。",
    ),
    e(
        "ws.gap_lost_sync",
        "Bytes were not captured between frames; the rest of this direction cannot be framed.",
        "帧与帧之间有字节未被抓到；这个方向的其余数据无法再分帧。",
    ),
    e("ws.frame_incomplete", "The stream ended in the middle of a frame.", "数据流在一个帧的中间结束。"),
    e(
        "ws.data_after_close",
        "Bytes were sent after this side's close frame; they are not frames (RFC 6455 §5.5.1).",
        "这一方发出关闭帧之后又发送了字节；它们不算帧（RFC 6455 §5.5.1）。",
    ),
    e(
        "ws.message_incomplete",
        "A fragmented message never got its final frame.",
        "分片消息始终没有收到最后一帧。",
    ),
    e(
        "ws.no_close_frame",
        "The TCP connection ended without a WebSocket close frame: both ends report 1006 Abnormal Closure (RFC 6455 §7.1.5, §7.4.1).",
        "TCP 连接在没有 WebSocket 关闭帧的情况下结束：两端都报告 1006 异常关闭（RFC 6455 §7.1.5、§7.4.1）。",
    ),
    // Tunnels (issue 15, tunnel decapsulation).
    e(
        "packet.tunnel_depth_limit",
        "Tunnels nested deeper than the limit (max_tunnel_depth): such packets are counted, not analysed.",
        "隧道嵌套超过上限（max_tunnel_depth）：这类数据包只计数，不分析。",
    ),
    // --- HTTP/1 (issue 15) ---
    e(
        "http.malformed_request_line",
        "The request line breaks RFC 9112 §3 (method SP request-target SP HTTP-version); it is read as far as it goes and its raw text kept.",
        "请求行不符合 RFC 9112 §3（方法 SP 请求目标 SP HTTP 版本）；尽量读出其内容，并保留原始文本。",
    ),
    e(
        "http.possible_smuggling",
        "Another reading of a request's framing puts a request where this reading does not (or the reverse): both are shown (request smuggling, RFC 9112 §11.2).",
        "对某个请求的分帧的另一种解读会在别处读出一个请求（或相反）：两种解读都列出（请求走私，RFC 9112 §11.2）。",
    ),
    e(
        "http.multiple_transfer_encodings",
        "Transfer-Encoding is given several times or lists chunked more than once: implementations may frame the message differently (RFC 9112 §6.1).",
        "Transfer-Encoding 出现多次或多次列出 chunked：不同实现可能对报文分帧不同（RFC 9112 §6.1）。",
    ),
    e(
        "http.unfinished_head",
        "A request head had no empty line at its end, but the server answered it: it is taken as the request.",
        "请求头末尾没有空行，但服务器已作出响应：将其视为该请求。",
    ),
    e(
        "http.te_in_http10",
        "An HTTP/1.0 message carries Transfer-Encoding: RFC 9112 §6.1 says to treat its framing as faulty, since HTTP/1.0 implementations read the body otherwise.",
        "HTTP/1.0 报文带有 Transfer-Encoding：RFC 9112 §6.1 规定将其分帧视为有误，因为 HTTP/1.0 实现会以别的方式读取报文体。",
    ),
    e(
        "http.pending_limit",
        "More requests wait for a response than the cap allows: the oldest are emitted unanswered, and later responses for them are shown without their request.",
        "等待响应的请求超过上限：最早的请求作为无响应条目输出，之后到达的对应响应单独列出，不带请求。",
    ),
    // --- Content coding, WebSocket, Socket.IO (issue 15, the content work) ---
    e(
        "content.decompression_budget",
        "The file's decompression budget is spent: later compressed bodies and messages are counted, not inflated.",
        "本文件的解压总额度已用完：之后的压缩正文和消息只计数，不再解压。",
    ),
    // --- TCP tracking and reassembly (issue 15, the TCP area) ---
    e(
        "tcp.overlap_mismatch",
        "A retransmitted segment carries other bytes than the first copy at the same place in the stream: the first copy is kept (as Zeek and tshark do).",
        "重传的报文段在流中同一位置携带了与第一份不同的字节：保留第一份（与 Zeek、tshark 相同）。",
    ),
    e(
        "tcp.out_of_order_limit",
        "Too many out-of-order bytes waited for a missing segment: the hole was given up as a gap (limit max_out_of_order).",
        "等待缺失报文段的乱序字节过多：该空洞按缺口处理（上限 max_out_of_order）。",
    ),
    e(
        "tcp.out_of_order_segments_limit",
        "Too many out-of-order segments waited behind holes: the first hole was given up as a gap (limit max_out_of_order_segments).",
        "在空洞后等待的乱序报文段过多：第一个空洞按缺口处理（上限 max_out_of_order_segments）。",
    ),
    e(
        "tcp.unacked_limit",
        "Too many delivered bytes were not yet acknowledged: older ones are no longer compared with retransmissions (limit keep_unacked).",
        "已交付但尚未确认的字节过多：较早的字节不再与重传比较（上限 keep_unacked）。",
    ),
    e(
        "tcp.outside_window",
        "A segment carries data beyond the window the receiver advertised (RFC 9293 §3.10.7.4): the sender overran it, or the capture missed a window update.",
        "报文段携带的数据超出了接收方通告的窗口（RFC 9293 §3.10.7.4）：发送方越界，或抓包漏掉了窗口更新。",
    ),
    e(
        "tcp.reassembly_total_limit",
        "TCP reassembly held too many bytes over all connections of the file: a connection's buffered bytes were given up as gaps (limit max_reassembly_total).",
        "整个文件的 TCP 重组缓存字节过多：某条连接缓存的字节按缺口处理（上限 max_reassembly_total）。",
    ),
    e(
        "tcp.events_limit",
        "Too many TCP events on this connection: further ones are not recorded (limit max_tcp_events).",
        "这条连接上的 TCP 事件过多：其余的不再记录（上限 max_tcp_events）。",
    ),
    // --- Packets (issue 15) ---
    e(
        "packet.findings_limit",
        "Too many packets with the same problem (malformed, IP fragments): the rest are counted in the packet figures, not listed one by one (max_packet_findings).",
        "同一问题的数据包过多（畸形、IP 分片）：其余的只在数据包统计中计数，不再逐个列出（max_packet_findings）。",
    ),
    e(
        "packet.comments_limit",
        "More pcapng packet comments than are kept: the rest are not kept (max_packet_comments).",
        "pcapng 数据包注释超过保留上限：其余的不再保留（max_packet_comments）。",
    ),
    e(
        "findings.file_limit",
        "More findings in this file than are recorded: further ones are not recorded (max_findings_per_file).",
        "此文件中的发现超过记录上限：其余的不再记录（max_findings_per_file）。",
    ),
    // TCP area (issue 15, second round): RSTs, port reuse, idle timeout.
    e(
        "tcp.rst_outside_window",
        "A RST whose sequence number is outside the receiver's window (RFC 9293 §3.10.7.4, RFC 5961 §3.2): a receiver ignores it, so the connection goes on; often a forged or blind reset.",
        "序列号在接收方窗口之外的 RST（RFC 9293 §3.10.7.4，RFC 5961 §3.2）：接收方会忽略它，连接继续；常是伪造或盲目的重置。",
    ),
    e(
        "tcp.data_after_rst",
        "Data continues the connection's sequence numbers after a RST in the window: the RST did not end it (a racing or injected reset), and the later data is decoded, as tshark does.",
        "窗口内的 RST 之后，数据仍延续连接的序列号：该 RST 并未结束连接（竞争或注入的重置），之后的数据照常解码，与 tshark 一致。",
    ),
    e(
        "tcp.idle_timeout",
        "A connection had no packet for longer than tcp_idle_timeout of capture time and was finished; a later packet on the same ports that does not continue its sequence numbers starts a new connection (limit tcp_idle_timeout).",
        "连接在抓包时间上空闲超过 tcp_idle_timeout，已被结束；之后同一端口上不延续其序列号的报文开始一个新连接（限制 tcp_idle_timeout）。",
    ),
    e(
        "tcp.new_syn_on_open_connection",
        "A SYN with a new initial sequence number came on the ports of a connection that had not ended (no FINs, no RST): a new connection starts there, as tshark's \"A new tcp session is started with the same ports\"; the old one ends at its last packet.",
        "在尚未结束（没有 FIN、没有 RST）的连接的端口上出现了带新初始序列号的 SYN：从这里开始一个新连接，与 tshark 的“以相同端口开始新的 TCP 会话”一致；旧连接在其最后一个报文处结束。",
    ),
    // --- HTTP/1 after review (issue 15, the HTTP area) ---
    e(
        "http.malformed_field_line",
        "A header field line that is not name \":\" value (RFC 9112 §5.1, RFC 9110 §5.5): skipped, the rest of the request is read.",
        "不是“名称:值”形式的头部字段行（RFC 9112 §5.1、RFC 9110 §5.5）：跳过该行，继续读取请求的其余部分。",
    ),
    e(
        "http.too_many_fields",
        "More header fields than are kept (max_header_fields): the first are kept, the rest counted.",
        "头部字段超过保留上限（max_header_fields）：保留前面的字段，其余只计数。",
    ),
    e(
        "http.interim_limit",
        "More 1xx interim responses to one request than are kept (max_interim_responses): the rest are counted.",
        "同一请求的 1xx 临时响应超过保留上限（max_interim_responses）：其余的只计数。",
    ),
    e(
        "tcp.sniff_wait_limit",
        "The client sent more unrecognised bytes before the server's first byte than are held waiting for it (max_sniff_wait): the rest are counted, not decoded; the server's answer still tells the protocol.",
        "在服务器发送第一个字节之前，客户端发送的无法识别的字节超过等待上限（max_sniff_wait）：其余字节只计数不解析；仍根据服务器的回应判断协议。",
    ),
    e(
        "quic.malformed",
        "A QUIC long header cannot be read: the datagram ends inside it, a connection ID is over 20 bytes, or its Length reaches past the datagram. The rest of the datagram is skipped.",
        "无法读取 QUIC 长包头：数据报在包头内结束、连接 ID 超过 20 字节，或其 Length 字段超出数据报末尾。数据报的其余部分被跳过。",
    ),
    e(
        "quic.decrypt_failed",
        "A QUIC Initial packet could not be decrypted with the keys derived from the client's first Destination Connection ID (RFC 9001 §5.2): it is too short, corrupted, or protected with other keys.",
        "无法用客户端首个目标连接 ID 推导出的密钥（RFC 9001 §5.2）解密 QUIC Initial 包：包太短、已损坏，或使用了其他密钥保护。",
    ),
    e(
        "quic.bad_frame",
        "A decrypted QUIC Initial packet holds a truncated frame or a frame type an Initial may not carry (RFC 9000 §12.4); the rest of that packet is not read.",
        "解密后的 QUIC Initial 包含有截断的帧，或 Initial 包不允许携带的帧类型（RFC 9000 §12.4）；该包其余部分不再读取。",
    ),
    e(
        "quic.crypto_limit",
        "CRYPTO data of a QUIC flow reaches past max_quic_crypto bytes, or too many fragments wait ahead of a hole (max_quic_crypto_fragments): it is not kept, and a TLS hello beyond it is not read.",
        "QUIC 流的 CRYPTO 数据超出 max_quic_crypto 字节，或在空洞之前等待的分片过多（max_quic_crypto_fragments）：这些数据不保留，超出部分的 TLS hello 不会被读取。",
    ),
    e(
        "quic.unknown_version",
        "A QUIC version without known Initial keys (not v1 or v2): its packets are counted, not decrypted.",
        "QUIC 版本没有已知的 Initial 密钥（不是 v1 或 v2）：其数据包只计数，不解密。",
    ),
    e(
        "quic.bad_hello",
        "The first TLS message reassembled from a QUIC side's Initial CRYPTO frames is not a readable ClientHello (client) or ServerHello (server).",
        "从 QUIC 一方 Initial 包的 CRYPTO 帧重组出的第一个 TLS 消息不是可读的 ClientHello（客户端）或 ServerHello（服务器）。",
    ),
    // TLS decryption from a key log (issue 13).
    e(
        "tls.no_key",
        "A key log was given but has no secrets for this connection (or the ServerHello was not captured): its records stay encrypted.",
        "已提供密钥日志，但其中没有这条连接的密钥（或没有抓到 ServerHello）：它的记录仍是加密的。",
    ),
    e(
        "tls.decrypt_failed",
        "A record's authentication tag did not check out: the key log holds a wrong key for this connection, or the record is damaged. This direction stays encrypted from here.",
        "记录的认证标签校验失败：密钥日志中这条连接的密钥不对，或记录已损坏。这个方向从此处起保持加密。",
    ),
    e(
        "tls.unsupported_suite",
        "The connection uses a cipher suite that is not decrypted (AES-GCM and ChaCha20-Poly1305 suites are): it stays encrypted.",
        "这条连接使用的密码套件不支持解密（支持 AES-GCM 与 ChaCha20-Poly1305 套件）：它保持加密。",
    ),
    e(
        "tls.record_too_long",
        "A TLS record is longer than 2^14 + 256 bytes, more than the protocol allows (RFC 8446 §5.2): the rest of this direction is not read.",
        "TLS 记录长度超过 2^14 + 256 字节，超出协议允许的上限（RFC 8446 §5.2）：这个方向的其余部分不再解析。",
    ),
    e(
        "tls.bad_record",
        "Bytes that are not a TLS record where one should start: the rest of this direction is not read.",
        "应当是 TLS 记录开头的位置出现了非 TLS 的字节：这个方向的其余部分不再解析。",
    ),
    e(
        "tls.gap",
        "Bytes of a TLS connection were not captured: records past the gap cannot be framed or decrypted, so this direction is decoded only up to it.",
        "TLS 连接有字节未被抓到：缺口之后的记录无法划分或解密，这个方向只解析到缺口为止。",
    ),
    e(
        "tls.truncated_record",
        "The direction ended inside a TLS record: its last record was not captured whole.",
        "这个方向在一条 TLS 记录的中间结束：最后一条记录没有被完整抓到。",
    ),
    e(
        "tls.handshake_too_long",
        "A hello message is longer than the limit read (max_tls_handshake): it is skipped, not read.",
        "握手 hello 消息超过读取上限（max_tls_handshake）：已跳过，未解析。",
    ),
    // --- HTTP/2 (issue 13) ---
    e(
        "h2.bad_preface",
        "The client's first bytes are not the HTTP/2 connection preface: its frames are not decoded.",
        "客户端的首批字节不是 HTTP/2 连接前言：其帧不做解析。",
    ),
    e(
        "h2.protocol_error",
        "An HTTP/2 frame breaks RFC 9113 (a receiver answers PROTOCOL_ERROR): a frame on the wrong stream, a CONTINUATION out of place, bad padding.",
        "HTTP/2 帧违反 RFC 9113（接收方会回 PROTOCOL_ERROR）：帧出现在错误的流上、CONTINUATION 位置不对、填充错误等。",
    ),
    e(
        "h2.frame_size_error",
        "An HTTP/2 frame has the wrong length for its type, or exceeds SETTINGS_MAX_FRAME_SIZE (FRAME_SIZE_ERROR).",
        "HTTP/2 帧的长度与其类型不符，或超过 SETTINGS_MAX_FRAME_SIZE（FRAME_SIZE_ERROR）。",
    ),
    e(
        "h2.frame_buffer_limit",
        "An HTTP/2 frame is larger than is buffered for decoding (h2_max_frame_buffer): it is skipped.",
        "HTTP/2 帧大于解析时缓存的上限（h2_max_frame_buffer）：已跳过。",
    ),
    e(
        "h2.hpack_error",
        "A header block does not decode under HPACK (RFC 7541; COMPRESSION_ERROR).",
        "头部块无法按 HPACK（RFC 7541）解码（COMPRESSION_ERROR）。",
    ),
    e(
        "h2.hpack_lost",
        "A header block was not decoded, so the HPACK dynamic table is out of step: later header blocks that way are not decoded.",
        "有头部块未被解码，HPACK 动态表已失去同步：该方向之后的头部块不再解码。",
    ),
    e(
        "h2.flow_control_exceeded",
        "A sender sent more DATA than the flow-control window allowed (FLOW_CONTROL_ERROR).",
        "发送方发送的 DATA 超过了流量控制窗口允许的量（FLOW_CONTROL_ERROR）。",
    ),
    e(
        "h2.window_overflow",
        "A WINDOW_UPDATE or SETTINGS_INITIAL_WINDOW_SIZE takes a flow-control window past 2^31-1 (FLOW_CONTROL_ERROR).",
        "WINDOW_UPDATE 或 SETTINGS_INITIAL_WINDOW_SIZE 使流量控制窗口超过 2^31-1（FLOW_CONTROL_ERROR）。",
    ),
    e(
        "h2.settings_flood",
        "More SETTINGS frames than are shown (h2_max_settings_frames): a SETTINGS flood; the rest are counted.",
        "SETTINGS 帧超过显示上限（h2_max_settings_frames）：SETTINGS 洪泛攻击；其余只计数。",
    ),
    e(
        "h2.ping_flood",
        "More PING frames than are shown (h2_max_ping_frames): a PING flood; the rest are counted.",
        "PING 帧超过显示上限（h2_max_ping_frames）：PING 洪泛攻击；其余只计数。",
    ),
    e(
        "h2.rst_flood",
        "More RST_STREAM frames than are shown (h2_max_rst_frames): a reset flood (the 2023 rapid reset); the rest are counted.",
        "RST_STREAM 帧超过显示上限（h2_max_rst_frames）：重置洪泛（2023 年的 Rapid Reset）；其余只计数。",
    ),
    e(
        "h2.continuation_flood",
        "More CONTINUATION frames in one header block than are shown (h2_max_continuations): the 2024 CONTINUATION flood.",
        "同一头部块中的 CONTINUATION 帧超过显示上限（h2_max_continuations）：2024 年的 CONTINUATION 洪泛攻击。",
    ),
    e(
        "h2.header_block_limit",
        "A header block is larger than is kept for decoding (h2_max_header_block): it is counted, not decoded.",
        "头部块大于解码时保留的上限（h2_max_header_block）：只计数，不解码。",
    ),
    e(
        "h2.header_list_limit",
        "A header block decodes to more fields or bytes than are kept (max_header_fields, h2_max_header_list): the rest are dropped.",
        "头部块解码后的字段数或字节数超过保留上限（max_header_fields、h2_max_header_list）：多余的被丢弃。",
    ),
    e(
        "h2.header_table_limit",
        "SETTINGS_HEADER_TABLE_SIZE is larger than the dynamic table followed (h2_max_header_table).",
        "SETTINGS_HEADER_TABLE_SIZE 大于解码时跟踪的动态表上限（h2_max_header_table）。",
    ),
    e(
        "h2.missing_pseudo_header",
        "An HTTP/2 request lacks :method or :path, or a response lacks :status.",
        "HTTP/2 请求缺少 :method 或 :path，或响应缺少 :status。",
    ),
    e(
        "h2.stream_limit",
        "More HTTP/2 streams open at once than are tracked (h2_max_streams): the rest are counted, not decoded.",
        "同时打开的 HTTP/2 流超过跟踪上限（h2_max_streams）：其余只计数，不解码。",
    ),
    e(
        "h2.frames_not_shown",
        "Frames past the HTTP/2 flood limits were counted, not shown.",
        "超过 HTTP/2 洪泛上限的帧只计数，不显示。",
    ),
    e(
        "h2.rst_stream",
        "A stream was reset with RST_STREAM; the error code says why (CANCEL: the client gave up).",
        "某个流被 RST_STREAM 重置；错误码说明原因（CANCEL：客户端放弃了该请求）。",
    ),
    e(
        "h2.goaway",
        "A GOAWAY ends the connection: streams above its last stream id were not processed.",
        "GOAWAY 结束连接：编号大于其 last stream id 的流未被处理。",
    ),
];

/// The general explanation of a finding code, if the catalogue knows it.
pub fn finding_text(code: &str, lang: Lang) -> Option<&'static str> {
    FINDINGS.iter().find(|e| e.key == code).map(|e| lang.pick(e.en, e.zh))
}

/// What a finding says in a language: the engine's own message in English (it names the exact
/// values), the catalogue's text in Chinese (the message when the code is unknown).
pub fn finding_message(f: &Finding, lang: Lang) -> String {
    match lang {
        Lang::En => f.message.clone(),
        Lang::Zh => finding_text(f.code, lang).map_or_else(|| f.message.clone(), str::to_string),
    }
}

/// Severity as a word.
pub fn severity_text(s: crate::model::Severity, lang: Lang) -> &'static str {
    use crate::model::Severity::*;
    match s {
        Info => lang.pick("info", "提示"),
        Warning => lang.pick("warning", "警告"),
        Error => lang.pick("error", "错误"),
    }
}

/// The Chinese lessons of the bundled examples, by file name (the English ones are in
/// captures/README.md).
pub const EXAMPLE_LESSONS_ZH: &[(&str, &str)] = &[
    (
        "http-methods.pcapng",
        "REST 增删改查：GET、POST、PUT、PATCH、DELETE 和 HEAD，每个请求一条 TCP 连接（握手、请求、响应、FIN）。",
    ),
    (
        "http-status-codes.pcapng",
        "状态码一览：200（其中一个是 PNG 图片）、201、204，跟随 301 和 302，条件 GET（If-None-Match、If-Modified-Since）得到 304，400、401、403、404，带 Allow 的 405，带 Retry-After 的 429，500。",
    ),
    (
        "http-keepalive.pcap",
        "长连接：一条连接上的五个请求，对比带 Connection: close 的五条连接（经典 pcap 格式）。",
    ),
    (
        "http-chunked-gzip.pcapng",
        "一个分成许多块发送的 gzip 响应；一个 deflate（zlib）响应；一次带 Expect: 100-continue 的 64 KiB 上传。",
    ),
    (
        "http-pipelining.pcap",
        "一条连接上的三个流水线请求（GET、HEAD、GET）。tshark 在这里会出错：它把 HEAD 响应的 Content-Length 当成了正文，漏掉了 404。",
    ),
    (
        "http-polling.pcapng",
        "短轮询（十个请求，立即得到响应）对比长轮询（服务器挂起每个请求，直到有事件发生）。",
    ),
    (
        "http-webhook.pcapng",
        "Webhook：客户端用一个回调 URL 订阅，之后服务器向客户端自己的监听端口发送 POST。",
    ),
    (
        "websocket-basics.pcapng",
        "升级握手（Key → Accept）、文本帧、二进制帧、一条分成 4 帧的消息、一条 70 000 字节的消息（64 位长度格式）、ping/pong、UTF-8 文本、带原因的关闭码 1000。不压缩。",
    ),
    (
        "websocket-deflate.pcapng",
        "同一会话启用 permessage-deflate（窗口位数 12，保留上下文）：压缩后与解压后的大小对比，其中有一条压缩的分片消息。",
    ),
    (
        "websocket-close.pcapng",
        "服务器发起的关闭码 1001“Going Away”；然后一条连接在一条消息后被 RST 终止，没有关闭帧：即 1006 异常关闭。",
    ),
    ("ipv6.pcapng", "基于 ::1 的 HTTP 和 WebSocket。"),
    (
        "sse.pcapng",
        "服务器发送事件（SSE，text/event-stream）：同样的事件分别以分块、随连接关闭结束（含 BOM、CRLF 和单独的 CR 换行）和 gzip 压缩的方式发送；包括 id、event 类型、多行 data、retry 和注释。每个事件是一条消息，由它自己的数据包完成。",
    ),
    (
        "socketio-chat.pcapng",
        "Socket.IO（Flask-SocketIO 使用的协议）：Engine.IO 轮询握手、升级探测，然后通过 WebSocket 收发事件。",
    ),
    // Loss and reordering (captures/record-lossy.sh).
    (
        "lossy-http.pcapng",
        "HTTP/1.1 长连接遇到丢包和乱序：一条连接上四次 60–200 KB 的下载和一次 120 KB 的上传，在服务器端抓包。上传的数据带着空洞到达：空洞后面的报文段只能等待（乱序），服务器不断重复确认第一个缺失的字节（重复 ACK；有了 SACK 它还会说明自己已经收到了哪些），客户端重新发送丢失的报文段，收到三个重复 ACK 后不等定时器就重传（快速重传）。服务器自己的丢包发生在抓包点之后，所以它丢失的报文段会被看到两次。TCP 把每个字节按顺序只交付一次：正文完好无损。",
    ),
    (
        "lossy-websocket.pcapng",
        "同样的丢包路径上的 WebSocket 回显会话：每个方向 50 条消息（2 字节到 24 KB，文本和二进制）、一次 ping、关闭码 1000。分布在多个报文段上的帧，要等其中最后一个空洞被填上才算完整，所以消息显示在填上空洞的那个包上，而不是携带最后几个字节的那个包；回显永远不会在消息完整之前发出。",
    ),
    // QUIC (captures/record-quic.sh).
    (
        "quic-initial.pcapng",
        "QUIC v1 上的一次 HTTP/3 GET（aioquic 客户端和服务器，127.0.0.1:4433，SNI quic.wirescope.test，ALPN h3；`record-quic.sh`）：任何人都能解密的 Initial 包（密钥由客户端首个目标连接 ID 推导）露出 ClientHello 和 ServerHello；合并在同一数据报里的 Handshake 包和 1-RTT 包仍是密文。`quic-initial.keys` 是客户端的密钥日志（用于解密 1-RTT：`tshark -o tls.keylog_file:captures/quic-initial.keys`）；`expected/quic-initial.quic.tsv` 是 tshark 对包头的解码。",
    ),
    // TLS with key logs (captures/record-tls.sh).
    (
        "https-tls12.pcapng",
        "基于 TLS 1.2 的 HTTPS（密钥日志 https-tls12.keys，CLIENT_RANDOM 行）：三条连接，ECDHE-RSA 分别配 AES-128-GCM、AES-256-GCM 和 ChaCha20-Poly1305，每条四个请求（GET 200、一个分成三条记录的 37 KB GET、一个 404、一个 POST 201）。没有密钥日志时只能看到握手中的 SNI、ALPN 和密码套件。",
    ),
    (
        "https-tls13.pcapng",
        "同样的内容改用 TLS 1.3（https-tls13.keys，每条连接四个流量密钥）：TLS_AES_128_GCM_SHA256、TLS_AES_256_GCM_SHA384、TLS_CHACHA20_POLY1305_SHA256。ServerHello 之后的一切都是加密的，连证书也是。",
    ),
    (
        "https-embedded-keys.pcapng",
        "一条 TLS 1.3 连接，密钥就在文件里，放在 pcapng 的解密密钥块（Decryption Secrets Block，editcap --inject-secrets）中：不提供密钥日志也能直接看到解密后的内容。",
    ),
    (
        "http2-tls.pcapng",
        "TLS 之上的 HTTP/2（ALPN 协商为 h2；curl --http2 访问 Node 的 http2.createSecureServer，密钥日志 http2-tls.keys）：六条连接，分别是 GET、gzip 响应、受流量控制的大 POST（多个 WINDOW_UPDATE）、服务器推送、curl 中途放弃的流，以及一个 SSE 事件流。有密钥日志时，每个流都是一次交换，与 tshark 用同一密钥日志的解码一致。",
    ),
    // HTTP/2 (captures/record-http2.sh).
    (
        "http2-prior-knowledge.pcapng",
        "以先验知识方式使用明文 HTTP/2（Node 的 http2 客户端和服务器）：连接前言、双方的 SETTINGS 及其 ACK、同一连接上依次发出的六个请求（流 1–11：200、404、gzip 正文、分成七个 DATA 帧并伴随 WINDOW_UPDATE 的 100000 字节、尾部字段、得到 201 的 POST）、PING。",
    ),
    (
        "http2-multiplexed.pcapng",
        "nghttp 在一条连接上多路复用五个请求（PRIORITY 帧、带优先级的 HEADERS）：响应交错到达，慢的那个最后完成。",
    ),
    (
        "http2-sse.pcapng",
        "基于 h2c 的服务器发送事件（SSE，Node 的 http2 服务器，h2_sse_server.js）：两个事件流，其中一个经过 gzip 编码，事件从各个流的 DATA 帧中读出；服务器实际发送的事件记录在 expected/http2-sse.events.json 中。",
    ),
    (
        "http2-upgrade.pcapng",
        "h2c 升级（curl --http2 对 hypercorn）：HTTP/1.1 请求得到 101，随后同一请求在 HTTP/2 流 1 上得到回答，curl 用 RST_STREAM 关闭流 1，第二个请求走流 3。",
    ),
];

/// The lesson of a bundled example in a language: `en` is the README's.
pub fn example_lesson<'a>(file: &str, en: &'a str, lang: Lang) -> &'a str {
    match lang {
        Lang::En => en,
        Lang::Zh => EXAMPLE_LESSONS_ZH.iter().find(|(f, _)| *f == file).map_or(en, |(_, zh)| zh),
    }
}

/// Has Chinese characters.
pub fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_both_languages_and_the_chinese_is_not_a_copy() {
        let mut keys = std::collections::HashSet::new();
        for e in FINDINGS {
            assert!(keys.insert(e.key), "{} twice", e.key);
            assert!(e.en.len() > 10, "{}: English missing", e.key);
            assert!(has_han(e.zh), "{}: no Chinese", e.key);
            assert_ne!(e.en, e.zh, "{}", e.key);
        }
        for (f, zh) in EXAMPLE_LESSONS_ZH {
            assert!(has_han(zh), "{f}: no Chinese");
        }
    }

    #[test]
    fn a_finding_reads_in_chinese_by_its_code() {
        let f = Finding {
            connection: Some(0),
            packet: 7,
            severity: crate::model::Severity::Warning,
            code: "ws.no_close_frame",
            message: "the TCP connection ended without a WebSocket close frame".into(),
        };
        assert_eq!(finding_message(&f, Lang::En), f.message);
        assert!(finding_message(&f, Lang::Zh).contains("1006 异常关闭"));
        let unknown = Finding { code: "x.unknown", ..f.clone() };
        assert_eq!(finding_message(&unknown, Lang::Zh), unknown.message);
    }
}
