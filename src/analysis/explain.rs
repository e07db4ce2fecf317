//! Plain explanations, in English and Simplified Chinese, of everything the views show: headers,
//! status codes and their classes, WebSocket opcodes and close codes, HTTP/2 frame types, SETTINGS
//! parameters and error codes, TCP flags, and the seed
//! notes' comparison of HTTP and WebSocket. Pure data.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// The same for texts made at run time.
    pub fn choose<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// A header's meaning and the section that defines it.
pub struct HeaderInfo {
    pub name: &'static str,
    pub rfc: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
}

pub const HEADERS: &[HeaderInfo] = &[
    HeaderInfo {
        name: "Host",
        rfc: "RFC 9110 §7.2",
        en: "Which site on the server the request is for (one IP can host many names).",
        zh: "请求要访问服务器上的哪个站点（一个 IP 可以托管多个域名）。",
    },
    HeaderInfo {
        name: "User-Agent",
        rfc: "RFC 9110 §10.1.5",
        en: "The client software making the request (browser, curl, library).",
        zh: "发起请求的客户端软件（浏览器、curl、程序库）。",
    },
    HeaderInfo {
        name: "Accept",
        rfc: "RFC 9110 §12.5.1",
        en: "Media types the client can handle, in order of preference.",
        zh: "客户端能处理的媒体类型及其偏好顺序。",
    },
    HeaderInfo {
        name: "Accept-Encoding",
        rfc: "RFC 9110 §12.5.3",
        en: "Compressions the client can undo (gzip, deflate, br).",
        zh: "客户端能解开的压缩方式（gzip、deflate、br）。",
    },
    HeaderInfo {
        name: "Accept-Language", rfc: "RFC 9110 §12.5.4", en: "Natural languages the user prefers.", zh: "用户偏好的自然语言。"
    },
    HeaderInfo {
        name: "Content-Type",
        rfc: "RFC 9110 §8.3",
        en: "The media type of the body (text/html, application/json ...).",
        zh: "消息正文的媒体类型（text/html、application/json 等）。",
    },
    HeaderInfo {
        name: "Content-Length",
        rfc: "RFC 9110 §8.6",
        en: "The body's size in bytes: how the receiver knows where the message ends.",
        zh: "正文的字节数：接收方据此知道消息在哪里结束。",
    },
    HeaderInfo {
        name: "Content-Encoding",
        rfc: "RFC 9110 §8.4",
        en: "How the body was compressed; the receiver decodes it to get the content.",
        zh: "正文使用的压缩编码；接收方解码后得到内容。",
    },
    HeaderInfo {
        name: "Transfer-Encoding",
        rfc: "RFC 9112 §6.1",
        en: "The body is sent in pieces (chunked) when its size is not known in advance.",
        zh: "事先不知道长度时，正文分块（chunked）发送。",
    },
    HeaderInfo {
        name: "Connection",
        rfc: "RFC 9110 §7.6.1",
        en: "Options for this hop: keep-alive keeps the TCP connection open, close ends it, Upgrade asks to switch protocols.",
        zh: "本跳连接选项：keep-alive 保持 TCP 连接，close 关闭连接，Upgrade 请求切换协议。",
    },
    HeaderInfo {
        name: "Keep-Alive",
        rfc: "RFC 2068 §19.7.1",
        en: "How long (timeout) and for how many requests (max) an idle connection is kept open.",
        zh: "空闲连接保持多久（timeout）以及最多处理多少个请求（max）。",
    },
    HeaderInfo {
        name: "Upgrade",
        rfc: "RFC 9110 §7.8",
        en: "The protocol the client wants to switch to on this connection (websocket, h2c).",
        zh: "客户端希望在这条连接上切换到的协议（websocket、h2c）。",
    },
    HeaderInfo {
        name: "Sec-WebSocket-Key",
        rfc: "RFC 6455 §4.1",
        en: "16 random bytes in base64; the server proves it speaks WebSocket by hashing it.",
        zh: "16 个随机字节的 base64；服务器通过对它做哈希来证明自己支持 WebSocket。",
    },
    HeaderInfo {
        name: "Sec-WebSocket-Accept",
        rfc: "RFC 6455 §4.2.2",
        en: "base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)): proof the server understood the upgrade.",
        zh: "base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))：证明服务器理解了这次升级。",
    },
    HeaderInfo {
        name: "Sec-WebSocket-Version",
        rfc: "RFC 6455 §4.1",
        en: "The WebSocket protocol version; 13 is the only one in use.",
        zh: "WebSocket 协议版本；目前只使用 13。",
    },
    HeaderInfo {
        name: "Sec-WebSocket-Protocol",
        rfc: "RFC 6455 §11.3.4",
        en: "Application subprotocols offered by the client; the server picks one.",
        zh: "客户端提供的应用子协议；服务器从中选择一个。",
    },
    HeaderInfo {
        name: "Sec-WebSocket-Extensions",
        rfc: "RFC 6455 §9.1",
        en: "Extensions such as permessage-deflate (per-message compression, RFC 7692).",
        zh: "扩展，例如 permessage-deflate（逐消息压缩，RFC 7692）。",
    },
    HeaderInfo {
        name: "Origin",
        rfc: "RFC 6454 §7",
        en: "The web page's origin that started the request; servers use it to refuse cross-site WebSockets.",
        zh: "发起请求的网页来源；服务器据此拒绝跨站的 WebSocket 连接。",
    },
    HeaderInfo {
        name: "Cache-Control",
        rfc: "RFC 9111 §5.2",
        en: "Caching rules: max-age, no-cache, no-store ...",
        zh: "缓存规则：max-age、no-cache、no-store 等。",
    },
    HeaderInfo {
        name: "Pragma",
        rfc: "RFC 9111 §5.4",
        en: "Old HTTP/1.0 cache control (no-cache).",
        zh: "旧的 HTTP/1.0 缓存控制（no-cache）。",
    },
    HeaderInfo {
        name: "Authorization",
        rfc: "RFC 9110 §11.6.2",
        en: "Credentials for the server (Basic, Bearer token ...). Sent on every request: HTTP is stateless.",
        zh: "发给服务器的凭据（Basic、Bearer 令牌等）。每个请求都要带：HTTP 是无状态的。",
    },
    HeaderInfo {
        name: "WWW-Authenticate",
        rfc: "RFC 9110 §11.6.1",
        en: "Sent with 401: which authentication scheme the server wants.",
        zh: "随 401 返回：服务器要求的认证方式。",
    },
    HeaderInfo {
        name: "Cookie",
        rfc: "RFC 6265 §5.4",
        en: "Small values the server stored earlier, sent back so it can recognise the client.",
        zh: "服务器之前保存的小段数据，客户端再发回去，使服务器能认出它。",
    },
    HeaderInfo {
        name: "Set-Cookie",
        rfc: "RFC 6265 §4.1",
        en: "The server asks the client to store a cookie and send it back later.",
        zh: "服务器要求客户端保存一个 cookie 并在之后发回。",
    },
    HeaderInfo {
        name: "Location",
        rfc: "RFC 9110 §10.2.2",
        en: "Where to go next: the target of a 3xx redirect, or the URL of a created (201) resource.",
        zh: "下一步去哪里：3xx 重定向的目标，或新建（201）资源的 URL。",
    },
    HeaderInfo {
        name: "If-Modified-Since",
        rfc: "RFC 9110 §13.1.3",
        en: "Conditional GET: send the body only if it changed since this date, else 304.",
        zh: "条件 GET：只有在此日期之后改变过才发送正文，否则返回 304。",
    },
    HeaderInfo {
        name: "If-None-Match",
        rfc: "RFC 9110 §13.1.2",
        en: "Conditional GET with an ETag: 304 Not Modified if the version still matches.",
        zh: "带 ETag 的条件 GET：版本仍然相同时返回 304 Not Modified。",
    },
    HeaderInfo {
        name: "Last-Modified",
        rfc: "RFC 9110 §8.8.2",
        en: "When the resource last changed; used later in If-Modified-Since.",
        zh: "资源最后修改的时间；之后用于 If-Modified-Since。",
    },
    HeaderInfo {
        name: "ETag",
        rfc: "RFC 9110 §8.8.3",
        en: "An identifier of this version of the resource, for conditional requests and caches.",
        zh: "该资源此版本的标识，用于条件请求和缓存。",
    },
    HeaderInfo {
        name: "Expect",
        rfc: "RFC 9110 §10.1.1",
        en: "100-continue: the client waits for the server's go-ahead before sending a large body.",
        zh: "100-continue：客户端先等服务器同意，再发送大的正文。",
    },
    HeaderInfo {
        name: "Retry-After",
        rfc: "RFC 9110 §10.2.3",
        en: "With 429 or 503: how long to wait before trying again.",
        zh: "随 429 或 503 返回：再次尝试前要等待多久。",
    },
    HeaderInfo {
        name: "Allow",
        rfc: "RFC 9110 §10.2.1",
        en: "With 405: the methods this resource supports.",
        zh: "随 405 返回：该资源支持的方法。",
    },
    HeaderInfo { name: "Server", rfc: "RFC 9110 §10.2.4", en: "The server software.", zh: "服务器软件。" },
    HeaderInfo { name: "Date", rfc: "RFC 9110 §6.6.1", en: "When the message was sent.", zh: "消息发送的时间。" },
    HeaderInfo {
        name: "Referer", rfc: "RFC 9110 §10.1.3", en: "The page that linked to this request.", zh: "链接到此请求的页面。"
    },
];

pub fn header_info(name: &str) -> Option<&'static HeaderInfo> {
    HEADERS.iter().find(|h| h.name.eq_ignore_ascii_case(name))
}

/// The class of a status code (RFC 9110 §15), in the words of the seed notes.
pub fn status_class_text(code: u16, lang: Lang) -> &'static str {
    match code / 100 {
        1 => lang.pick("1xx Informational: the request was received, processing continues", "1xx 信息——请求已被服务器接收，继续处理"),
        2 => lang.pick("2xx Success: the request was received, understood and accepted", "2xx 成功——请求已成功被服务器接收、理解、并接受"),
        3 => lang.pick("3xx Redirection: further action is needed to complete the request", "3xx 重定向——需要后续操作才能完成这一请求"),
        4 => lang.pick(
            "4xx Client error: the request is wrong or cannot be fulfilled",
            "4xx 客户端错误——请求有误或无法被满足（如资源不存在、未授权、方法不允许），应由客户端修正",
        ),
        5 => lang.pick(
            "5xx Server error: the server failed while handling a valid request",
            "5xx 服务器错误——服务器在处理某个正确请求时发生错误",
        ),
        _ => lang.pick("not a valid status class", "不是有效的状态类别"),
    }
}

/// English wording kept for the text summary.
pub fn status_class(code: u16) -> &'static str {
    status_class_text(code, Lang::En)
}

/// The registered reason phrase of a status code.
pub fn status_reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// What one status code means.
pub fn status_meaning(code: u16, lang: Lang) -> &'static str {
    match code {
        100 => lang.pick("Go on and send the request body.", "继续发送请求正文。"),
        101 => lang.pick(
            "The server agrees to switch protocols (e.g. to WebSocket) on this connection.",
            "服务器同意在这条连接上切换协议（例如切换到 WebSocket）。",
        ),
        200 => lang.pick("The request succeeded; the body has the result.", "请求成功；正文是结果。"),
        201 => {
            lang.pick("A new resource was created (REST: POST); Location says where.", "创建了新资源（REST：POST）；Location 指出位置。")
        }
        202 => lang.pick("Accepted for processing later (e.g. a webhook subscription).", "已接受，稍后处理（例如 webhook 订阅）。"),
        204 => lang.pick("Success with no body (REST: DELETE, PUT).", "成功但没有正文（REST：DELETE、PUT）。"),
        301 => lang.pick("Moved permanently: use the Location URL from now on.", "永久重定向：以后都使用 Location 指向的 URL。"),
        302 => lang.pick("Found elsewhere for now: follow Location this time.", "临时重定向：这次请跟随 Location。"),
        304 => lang.pick("Not modified: use your cached copy (conditional GET).", "未修改：使用本地缓存（条件 GET）。"),
        400 => lang.pick("Bad request: the server cannot understand it.", "错误请求：服务器无法理解。"),
        401 => lang.pick("Unauthorized: credentials are missing or wrong.", "未认证：缺少凭据或凭据错误。"),
        403 => lang.pick("Forbidden: the server knows who you are but refuses.", "禁止访问：服务器知道你是谁，但拒绝。"),
        404 => lang.pick("Not found: no resource at this URL.", "找不到：该 URL 没有资源。"),
        405 => {
            lang.pick("Method not allowed for this resource; Allow lists the ones that are.", "该资源不允许此方法；Allow 列出允许的方法。")
        }
        408 => lang.pick("The server gave up waiting for the request.", "服务器等待请求超时。"),
        413 => lang.pick("The request body is too large.", "请求正文太大。"),
        418 => lang.pick("I'm a teapot (an April-fools code, RFC 2324).", "我是茶壶（愚人节状态码，RFC 2324）。"),
        426 => lang.pick("The server requires a protocol upgrade.", "服务器要求升级协议。"),
        429 => lang
            .pick("Too many requests: rate limited; Retry-After says when to come back.", "请求过多：被限流；Retry-After 指出何时再来。"),
        500 => lang.pick("The server program failed while handling the request.", "服务器程序在处理请求时出错。"),
        502 => lang.pick("A gateway got a bad answer from the server behind it.", "网关从后端服务器得到了错误的响应。"),
        503 => lang.pick("The service is unavailable for now.", "服务暂时不可用。"),
        504 => lang.pick("A gateway timed out waiting for the server behind it.", "网关等待后端服务器超时。"),
        _ => "",
    }
}

/// What a Server-Sent Event is, in a sentence or two.
pub fn sse_meaning(lang: Lang) -> &'static str {
    lang.pick(
        "A Server-Sent Event: the server keeps one HTTP response open (Content-Type: text/event-stream) and writes an event whenever it has news; a blank line ends each event. The browser's EventSource hands each one to the page and reconnects by itself if the stream breaks.",
        "服务器发送事件（SSE）：服务器让一个 HTTP 响应保持打开（Content-Type: text/event-stream），有新消息就写一条事件；每条事件以空行结束。浏览器的 EventSource 把每条事件交给页面，流断开时会自己重新连接。",
    )
}

/// What one field of a Server-Sent Event means ("event", "data", "id", "retry").
pub fn sse_field_meaning(field: &str, lang: Lang) -> &'static str {
    match field {
        "event" => lang.pick(
            "event: the event's type; the page listens for it by name (addEventListener). Without it the type is \"message\" (onmessage).",
            "event：事件类型；页面按名字监听它（addEventListener）。没有这个字段时类型是 \"message\"（onmessage）。",
        ),
        "data" => lang.pick(
            "data: the payload; several data: lines are joined with line breaks.",
            "data：载荷；多行 data: 用换行连接起来。",
        ),
        "id" => lang.pick(
            "id: the last event ID. It carries over to later events, and on reconnecting the browser sends it back in Last-Event-ID so the server can resume.",
            "id：最后事件 ID。它会沿用到之后的事件；重新连接时浏览器在 Last-Event-ID 中把它发回，服务器可以从那里继续。",
        ),
        "retry" => lang.pick(
            "retry: how many milliseconds the browser waits before reconnecting after the stream breaks.",
            "retry：流断开后浏览器等待多少毫秒再重新连接。",
        ),
        _ => "",
    }
}

pub fn opcode_meaning(op: u8, lang: Lang) -> &'static str {
    match op {
        0 => lang.pick("Continuation: the next fragment of a message.", "延续帧：消息的下一个分片。"),
        1 => lang.pick("Text: a UTF-8 text message (or its first fragment).", "文本帧：UTF-8 文本消息（或其第一个分片）。"),
        2 => lang.pick("Binary: raw bytes.", "二进制帧：原始字节。"),
        8 => lang.pick(
            "Close: starts or answers the closing handshake; carries a code and a reason.",
            "关闭帧：发起或回应关闭握手；携带关闭码和原因。",
        ),
        9 => lang.pick("Ping: a heartbeat; the other side must answer with a Pong.", "Ping：心跳；对方必须回复 Pong。"),
        10 => lang.pick("Pong: the answer to a Ping (with the same payload).", "Pong：对 Ping 的回复（载荷相同）。"),
        _ => lang.pick(
            "Reserved opcode: not defined; a conforming peer fails the connection.",
            "保留操作码：未定义；符合规范的一方会断开连接。",
        ),
    }
}

pub fn close_code_meaning(code: u16, lang: Lang) -> &'static str {
    match code {
        1000 => lang.pick("Normal closure: the purpose of the connection was fulfilled.", "正常关闭：连接的目的已经完成。"),
        1001 => lang.pick("Going away: the server is shutting down or the browser left the page.", "离开：服务器关闭或浏览器离开了页面。"),
        1002 => lang.pick("Protocol error.", "协议错误。"),
        1003 => lang.pick("Unsupported data (e.g. binary to a text-only endpoint).", "不支持的数据（例如向只收文本的一端发二进制）。"),
        1005 => lang.pick("No status received: reported locally when a close frame had no code; never sent.", "未收到状态码：关闭帧没有关闭码时本地报告；不会被发送。"),
        1006 => lang.pick("Abnormal closure: the connection dropped without a close frame (network loss, killed process, idle proxy). Reported locally, never sent.", "异常关闭：连接在没有关闭帧的情况下断开（网络中断、进程被杀、代理超时）。仅本地报告，不会被发送。"),
        1007 => lang.pick("Invalid payload data (e.g. bad UTF-8 in a text message).", "无效的载荷数据（例如文本消息中的 UTF-8 错误）。"),
        1008 => lang.pick("Policy violation.", "违反策略。"),
        1009 => lang.pick("Message too big.", "消息太大。"),
        1010 => lang.pick("The client needed an extension the server did not agree to.", "客户端需要的扩展服务器未同意。"),
        1011 => lang.pick("Internal error on the server.", "服务器内部错误。"),
        1012 => lang.pick("Service restart.", "服务重启。"),
        1013 => lang.pick("Try again later.", "稍后再试。"),
        1015 => lang.pick("TLS handshake failure: reported locally, never sent.", "TLS 握手失败：仅本地报告，不会被发送。"),
        3000..=3999 => lang.pick("Registered for libraries and frameworks.", "为程序库和框架注册的代码。"),
        4000..=4999 => lang.pick("Private use by the application.", "应用私有使用。"),
        _ => lang.pick("Not a valid close code.", "无效的关闭码。"),
    }
}

/// What an HTTP/2 frame type is for (RFC 9113 §6), by its type number.
pub fn h2_frame_meaning(kind: u8, lang: Lang) -> &'static str {
    match kind {
        0x0 => lang.pick("DATA: a piece of a request or response body on one stream; it uses up flow-control window.", "DATA：某个流上请求或响应正文的一段；会消耗流量控制窗口。"),
        0x1 => lang.pick("HEADERS: opens a stream with a request or response head (HPACK-compressed), or carries trailers.", "HEADERS：以请求头或响应头（HPACK 压缩）打开一个流，或携带尾部字段。"),
        0x2 => lang.pick("PRIORITY: says which stream this one depends on and its weight (deprecated by RFC 9113).", "PRIORITY：说明该流依赖哪个流及其权重（RFC 9113 已弃用）。"),
        0x3 => lang.pick("RST_STREAM: ends one stream at once, with an error code; the connection goes on.", "RST_STREAM：立即终止一个流，并附带错误码；连接继续使用。"),
        0x4 => lang.pick("SETTINGS: each side's parameters for the connection (table size, concurrent streams, window, frame size); answered by a SETTINGS with ACK.", "SETTINGS：双方为连接设定的参数（表大小、并发流数、窗口、帧大小）；对方以带 ACK 的 SETTINGS 确认。"),
        0x5 => lang.pick("PUSH_PROMISE: the server announces a response it will push, with the request it answers, on a new even-numbered stream.", "PUSH_PROMISE：服务器预告将要推送的响应及其对应的请求，使用一个新的偶数编号流。"),
        0x6 => lang.pick("PING: measures round-trip time or keeps the connection alive; the peer echoes the 8 bytes with ACK.", "PING：测量往返时间或保持连接；对方带 ACK 原样返回这 8 个字节。"),
        0x7 => lang.pick("GOAWAY: the sender stops accepting new streams; the last stream it will process and an error code.", "GOAWAY：发送方不再接受新流；给出它会处理的最后一个流编号和错误码。"),
        0x8 => lang.pick("WINDOW_UPDATE: the receiver lets the sender send more bytes (flow control, per stream or for the whole connection).", "WINDOW_UPDATE：接收方允许发送方再发更多字节（流量控制，针对单个流或整个连接）。"),
        0x9 => lang.pick("CONTINUATION: the rest of a header block too large for one HEADERS or PUSH_PROMISE frame.", "CONTINUATION：一个 HEADERS 或 PUSH_PROMISE 帧装不下的头部块的其余部分。"),
        _ => lang.pick("An unknown frame type: receivers ignore it (extensions use it).", "未知帧类型：接收方忽略它（供扩展使用）。"),
    }
}

/// What an HTTP/2 SETTINGS parameter controls (RFC 9113 §6.5.2; 8 from RFC 8441, 9 from RFC 9218).
pub fn h2_setting_meaning(id: u16, lang: Lang) -> &'static str {
    match id {
        1 => lang.pick(
            "SETTINGS_HEADER_TABLE_SIZE: the largest HPACK dynamic table the sender's decoder keeps (default 4096 bytes).",
            "SETTINGS_HEADER_TABLE_SIZE：发送方解码器保留的 HPACK 动态表最大字节数（默认 4096）。",
        ),
        2 => lang.pick(
            "SETTINGS_ENABLE_PUSH: 0 forbids the server to push (default 1).",
            "SETTINGS_ENABLE_PUSH：为 0 时禁止服务器推送（默认 1）。",
        ),
        3 => lang.pick(
            "SETTINGS_MAX_CONCURRENT_STREAMS: how many streams the peer may have open at once.",
            "SETTINGS_MAX_CONCURRENT_STREAMS：对方同时可打开的流的数量上限。",
        ),
        4 => lang.pick(
            "SETTINGS_INITIAL_WINDOW_SIZE: each new stream's flow-control window (default 65,535 bytes).",
            "SETTINGS_INITIAL_WINDOW_SIZE：每个新流的初始流量控制窗口（默认 65535 字节）。",
        ),
        5 => lang.pick(
            "SETTINGS_MAX_FRAME_SIZE: the largest frame payload the sender will accept (16,384 to 16,777,215).",
            "SETTINGS_MAX_FRAME_SIZE：发送方愿意接收的最大帧载荷（16384 到 16777215）。",
        ),
        6 => lang.pick(
            "SETTINGS_MAX_HEADER_LIST_SIZE: the largest decoded header list the sender will accept (advisory).",
            "SETTINGS_MAX_HEADER_LIST_SIZE：发送方愿意接收的解码后头部列表最大大小（建议性）。",
        ),
        8 => lang.pick(
            "SETTINGS_ENABLE_CONNECT_PROTOCOL: 1 allows the extended CONNECT of RFC 8441 (WebSocket over HTTP/2).",
            "SETTINGS_ENABLE_CONNECT_PROTOCOL：为 1 时允许 RFC 8441 的扩展 CONNECT（基于 HTTP/2 的 WebSocket）。",
        ),
        9 => lang.pick(
            "SETTINGS_NO_RFC7540_PRIORITIES: 1 says the sender ignores the old priority scheme (RFC 9218).",
            "SETTINGS_NO_RFC7540_PRIORITIES：为 1 表示发送方不使用旧的优先级方案（RFC 9218）。",
        ),
        _ => lang.pick("An unknown setting: receivers ignore it.", "未知参数：接收方忽略它。"),
    }
}

/// What an HTTP/2 error code means (RFC 9113 §7), as RST_STREAM and GOAWAY carry it.
pub fn h2_error_meaning(code: u32, lang: Lang) -> &'static str {
    match code {
        0x0 => lang.pick("NO_ERROR: a graceful end, nothing went wrong.", "NO_ERROR：正常结束，没有出错。"),
        0x1 => lang.pick("PROTOCOL_ERROR: the peer broke the protocol.", "PROTOCOL_ERROR：对方违反了协议。"),
        0x2 => lang.pick("INTERNAL_ERROR: something failed inside the sender.", "INTERNAL_ERROR：发送方内部出错。"),
        0x3 => lang.pick(
            "FLOW_CONTROL_ERROR: the peer sent more than the flow-control window allowed.",
            "FLOW_CONTROL_ERROR：对方发送的数据超过了流量控制窗口。",
        ),
        0x4 => {
            lang.pick("SETTINGS_TIMEOUT: the peer did not acknowledge SETTINGS in time.", "SETTINGS_TIMEOUT：对方没有及时确认 SETTINGS。")
        }
        0x5 => lang.pick("STREAM_CLOSED: a frame came on a stream already half closed.", "STREAM_CLOSED：帧到达了一个已半关闭的流。"),
        0x6 => lang.pick("FRAME_SIZE_ERROR: a frame had the wrong size.", "FRAME_SIZE_ERROR：帧大小不正确。"),
        0x7 => lang.pick(
            "REFUSED_STREAM: the stream was refused before any processing; it is safe to retry.",
            "REFUSED_STREAM：流在处理之前就被拒绝；可以安全重试。",
        ),
        0x8 => lang.pick(
            "CANCEL: the stream is no longer needed (the client gave up or navigated away).",
            "CANCEL：不再需要该流（客户端放弃或离开了页面）。",
        ),
        0x9 => lang.pick(
            "COMPRESSION_ERROR: the HPACK context can no longer be kept in step.",
            "COMPRESSION_ERROR：无法再保持 HPACK 上下文同步。",
        ),
        0xa => lang.pick(
            "CONNECT_ERROR: the tunnel of a CONNECT request was reset or closed abnormally.",
            "CONNECT_ERROR：CONNECT 请求建立的隧道被重置或异常关闭。",
        ),
        0xb => lang.pick(
            "ENHANCE_YOUR_CALM: the peer is sending too much (a flood); slow down.",
            "ENHANCE_YOUR_CALM：对方发送过多（洪泛）；请放慢速度。",
        ),
        0xc => lang.pick(
            "INADEQUATE_SECURITY: the TLS connection does not meet HTTP/2's minimum (version, cipher suite).",
            "INADEQUATE_SECURITY：TLS 连接不满足 HTTP/2 的最低要求（版本、加密套件）。",
        ),
        0xd => {
            lang.pick("HTTP_1_1_REQUIRED: the request must be retried over HTTP/1.1.", "HTTP_1_1_REQUIRED：该请求必须改用 HTTP/1.1 重试。")
        }
        _ => lang.pick("An unknown error code: treated as INTERNAL_ERROR.", "未知错误码：按 INTERNAL_ERROR 处理。"),
    }
}

pub fn tcp_flag_meaning(flag: &str, lang: Lang) -> &'static str {
    match flag {
        "SYN" => lang.pick(
            "Synchronise: opens a connection and sets the starting sequence number (handshake step 1).",
            "同步：打开连接并设定初始序号（握手第 1 步）。",
        ),
        "SYN-ACK" => lang
            .pick("The server agrees and sends its own sequence number (handshake step 2).", "服务器同意并发送自己的序号（握手第 2 步）。"),
        "ACK" => lang.pick("Acknowledges the bytes received from the other side.", "确认已收到对方发来的字节。"),
        "FIN" => lang.pick("Finish: this side has no more data to send (graceful close).", "结束：这一方不再发送数据（正常关闭）。"),
        "RST" => lang.pick("Reset: the connection is aborted at once, without a graceful close.", "重置：连接立即中止，没有正常关闭。"),
        "PSH" => lang.pick("Push: hand the data to the application now.", "推送：立即把数据交给应用程序。"),
        _ => "",
    }
}

/// What one TCP segment is, for explaining its flags: the flags byte and where it stands in
/// its connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpSegmentContext {
    /// Byte 13 of the TCP header.
    pub flags: u8,
    /// The connection's model says this packet is the handshake's third step.
    pub handshake_ack: bool,
    /// Payload bytes carried.
    pub payload: u32,
    /// The acknowledgement number, relative to the other side's initial sequence number.
    pub relative_ack: u32,
    /// Sent by the client (`None`: roles unknown).
    pub from_client: Option<bool>,
}

/// Each flag set on this segment with what it does here (not in general): a SYN opens, a SYN-ACK
/// answers, only the handshake's own ACK completes it, a data packet's ACK acknowledges bytes up
/// to its number.
pub fn tcp_flags_explained(c: &TcpSegmentContext, lang: Lang) -> Vec<(&'static str, String)> {
    let has = |bit: u8| c.flags & bit != 0;
    let (fin, syn, rst, psh, ack, urg) = (has(0x01), has(0x02), has(0x04), has(0x08), has(0x10), has(0x20));
    let side = match c.from_client {
        Some(true) => lang.pick("The client", "客户端"),
        Some(false) => lang.pick("The server", "服务器"),
        None => lang.pick("This side", "这一方"),
    };
    let mut out = Vec::new();
    if syn && !ack {
        out.push((
            "SYN",
            match lang {
                Lang::En => format!(
                    "Synchronise: {} opens the connection and picks its initial sequence number (ISN); handshake step 1.",
                    side.to_lowercase()
                ),
                Lang::Zh => format!("同步：{side}发起连接，并选定自己的初始序号（ISN）；三次握手第 1 步。"),
            },
        ));
    }
    if syn && ack {
        out.push((
            "SYN",
            lang.pick(
                "SYN-ACK: the server accepts the connection and picks its own initial sequence number (ISN); handshake step 2.",
                "SYN-ACK：服务器接受连接，并选定自己的初始序号（ISN）；三次握手第 2 步。",
            )
            .to_string(),
        ));
        out.push((
            "ACK",
            lang.pick("Acknowledges the client's SYN (the SYN counts as one byte).", "确认客户端的 SYN（SYN 占一个序号）。").to_string(),
        ));
    } else if ack && c.handshake_ack {
        out.push((
            "ACK",
            lang.pick(
                "The third ACK: the client acknowledges the SYN-ACK, which completes the three-way handshake; data may flow now.",
                "第三个 ACK：客户端确认 SYN-ACK，三次握手至此完成，可以开始传输数据。",
            )
            .to_string(),
        ));
    } else if ack {
        let n = c.relative_ack;
        out.push((
            "ACK",
            match lang {
                Lang::En => format!("Acknowledges the other side's bytes up to relative number {n}: {n} is the next byte it expects."),
                Lang::Zh => format!("确认对方直到相对序号 {n} 之前的字节：{n} 是它期待的下一个字节。"),
            },
        ));
    }
    if psh {
        out.push((
            "PSH",
            match lang {
                Lang::En => format!("Push: the {} B of data in this segment should be handed to the application at once.", c.payload),
                Lang::Zh => format!("推送：本报文段的 {} 字节数据应立即交给应用程序。", c.payload),
            },
        ));
    }
    if fin {
        out.push((
            "FIN",
            match lang {
                Lang::En => format!(
                    "Finish: {} has finished sending (it can still receive); the other side acknowledges it and closes its own half.",
                    side.to_lowercase()
                ),
                Lang::Zh => format!("结束：{side}的数据已发送完毕（仍可接收）；对方确认后再关闭自己的那一半。"),
            },
        ));
    }
    if rst {
        out.push((
            "RST",
            lang.pick(
                "Reset: aborts the connection at once, without a graceful close; data not yet delivered is lost.",
                "重置：立即中止连接，没有正常关闭；尚未交付的数据会丢失。",
            )
            .to_string(),
        ));
    }
    if urg {
        out.push(("URG", lang.pick("Urgent: the urgent pointer field is valid.", "紧急：紧急指针字段有效。").to_string()));
    }
    out
}

/// What Wireshark's TCP analysis found on a connection, the counts that are not zero, each with
/// its name and what it means: (name, count, meaning).
pub fn tcp_analysis_explained(a: &crate::model::TcpAnalysis, lang: Lang) -> Vec<(&'static str, u32, &'static str)> {
    let rows: [(u32, &str, &str, &str, &str); 15] = [
        (
            a.retransmission,
            "retransmission",
            "重传",
            "A segment carrying bytes already sent: the sender thought it lost (no ACK in time, or duplicate ACKs).",
            "携带已发送过字节的报文段：发送方认为它丢失了（超时未收到 ACK，或收到重复 ACK）。",
        ),
        (
            a.fast_retransmission,
            "fast retransmission",
            "快速重传",
            "A retransmission after three duplicate ACKs, without waiting for the timer (RFC 5681 §3.2).",
            "收到三个重复 ACK 后立即重传，不等超时（RFC 5681 §3.2）。",
        ),
        (
            a.spurious_retransmission,
            "spurious retransmission",
            "虚假重传",
            "A retransmission of bytes the receiver had already acknowledged: the original was not lost.",
            "重传了接收方已确认的字节：原报文段其实没有丢失。",
        ),
        (
            a.out_of_order,
            "out of order",
            "乱序",
            "A segment that arrived after a later one: the network reordered them.",
            "一个报文段比它后面的报文段晚到：网络改变了它们的顺序。",
        ),
        (
            a.lost_segment,
            "previous segment not captured",
            "前一报文段未捕获",
            "Bytes before this segment were never seen here: lost on the way, or missed by the capture.",
            "此报文段之前的字节在这里没有出现：在路上丢失，或抓包时漏掉了。",
        ),
        (
            a.ack_lost_segment,
            "ACKed unseen segment",
            "确认了未捕获的报文段",
            "The peer acknowledged bytes the capture never saw: the capture missed them, the network did not.",
            "对端确认了抓包中没有出现的字节：是抓包漏掉了，而不是网络丢失。",
        ),
        (
            a.duplicate_ack,
            "duplicate ACK",
            "重复 ACK",
            "The receiver repeats its ACK: it is missing bytes and asks for them again.",
            "接收方重复发送同一个 ACK：它缺少字节，在请求重发。",
        ),
        (
            a.keep_alive,
            "keep-alive",
            "保活",
            "An empty probe one byte below the next sequence number, to check the peer is still there.",
            "比下一个序号小 1 的空探测报文，用来确认对端仍在。",
        ),
        (a.keep_alive_ack, "keep-alive ACK", "保活确认", "The answer to a keep-alive probe.", "对保活探测的应答。"),
        (
            a.zero_window,
            "zero window",
            "零窗口",
            "The receiver's buffer is full: it tells the sender to stop.",
            "接收方缓冲区已满：通知发送方暂停发送。",
        ),
        (
            a.zero_window_probe,
            "zero window probe",
            "零窗口探测",
            "The sender asks whether a zero window has opened again.",
            "发送方询问零窗口是否已重新打开。",
        ),
        (a.zero_window_probe_ack, "zero window probe ACK", "零窗口探测确认", "The answer to a zero window probe.", "对零窗口探测的应答。"),
        (
            a.window_full,
            "window full",
            "窗口已满",
            "The sender filled the receiver's whole advertised window and must wait for an ACK.",
            "发送方已填满接收方通告的整个窗口，必须等待 ACK。",
        ),
        (
            a.window_update,
            "window update",
            "窗口更新",
            "An ACK that only opens the receive window (no new data, no new acknowledgement).",
            "只扩大接收窗口的 ACK（没有新数据，也没有新的确认）。",
        ),
        (
            a.outside_window,
            "data outside the window",
            "超出窗口的数据",
            "Data beyond what the receiver allowed: a misbehaving sender, or a capture that missed a window update.",
            "超出接收方允许范围的数据：发送方行为异常，或抓包漏掉了窗口更新。",
        ),
    ];
    rows.into_iter().filter(|r| r.0 > 0).map(|(n, en, zh, men, mzh)| (lang.pick(en, zh), n, lang.pick(men, mzh))).collect()
}

/// A TLS cipher suite's IANA name taken apart for a learner: (part, its value, what it does),
/// for the key exchange, the server's authentication, the record cipher and the hash. TLS 1.3
/// names ("TLS_AES_128_GCM_SHA256") carry only cipher and hash: the key exchange is always an
/// ephemeral Diffie–Hellman agreed in the key_share extension (RFC 8446 §4.2.8), and the server
/// signs with its certificate's key. TLS 1.2 names ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
/// RFC 5246 Appendix A.5) carry all four. A name not of these shapes gives no parts.
pub fn cipher_suite_parts(name: &str, lang: Lang) -> Vec<(&'static str, String, &'static str)> {
    let Some(rest) = name.strip_prefix("TLS_") else { return Vec::new() };
    let (kx, auth, bulk) = match rest.split_once("_WITH_") {
        Some((kx_auth, bulk)) => {
            let (kx, auth) = match kx_auth.split_once('_') {
                Some((k, a)) if k.ends_with("DHE") || k.ends_with("DH") => (k, Some(a)),
                _ => (kx_auth, None),
            };
            (Some(kx), auth, bulk)
        }
        None => (None, None, rest),
    };
    let Some((cipher, hash)) = bulk.rsplit_once('_') else { return Vec::new() };
    let mut parts = Vec::new();
    let kx_part = lang.pick("Key exchange", "密钥交换");
    match kx {
        None => parts.push((
            kx_part,
            "(EC)DHE".to_string(),
            lang.pick(
                "TLS 1.3 always agrees the secret by ephemeral Diffie–Hellman (the key_share extension): both sides compute it, it is never sent, and a server key stolen later cannot decrypt this session (forward secrecy)",
                "TLS 1.3 总是用临时 Diffie–Hellman（key_share 扩展）协商密钥：双方各自算出同一个秘密，它从不在网上传输；日后即使服务器私钥被盗，也解不开这次会话（前向保密）",
            ),
        )),
        Some(k) => parts.push((kx_part, k.to_string(), kx_meaning(k, lang))),
    }
    let auth_part = lang.pick("Server authentication", "服务器身份认证");
    match (kx, auth) {
        (None, _) => parts.push((
            auth_part,
            lang.pick("certificate signature", "证书签名").to_string(),
            lang.pick(
                "the server signs the handshake with its certificate's key (CertificateVerify), which the client checks",
                "服务器用证书的私钥对握手签名（CertificateVerify），客户端验证这个签名",
            ),
        )),
        (Some(_), Some(a)) => parts.push((
            auth_part,
            a.to_string(),
            match a {
                "ECDSA" => lang
                    .pick("the server signs its key exchange with its certificate's ECDSA key", "服务器用证书的 ECDSA 私钥对密钥交换签名"),
                "RSA" => {
                    lang.pick("the server signs its key exchange with its certificate's RSA key", "服务器用证书的 RSA 私钥对密钥交换签名")
                }
                "PSK" => lang.pick("both sides prove they hold a pre-shared key", "双方证明各自持有预共享密钥"),
                _ => lang.pick("how the server proves who it is", "服务器证明自己身份的方式"),
            },
        )),
        (Some(k), None) if k == "RSA" => parts.push((
            auth_part,
            "RSA".to_string(),
            lang.pick(
                "decrypting the client's secret proves the server holds the certificate's RSA key",
                "能解开客户端发来的秘密，就证明服务器持有证书的 RSA 私钥",
            ),
        )),
        _ => {}
    }
    parts.push((lang.pick("Record cipher", "记录加密算法"), cipher.replace('_', "-"), cipher_meaning(cipher, lang)));
    parts.push((lang.pick("Hash", "哈希"), hash.to_string(), hash_meaning(kx.is_none(), cipher.contains("CBC"), lang)));
    parts
}

fn kx_meaning(kx: &str, lang: Lang) -> &'static str {
    match kx {
        "ECDHE" => lang.pick(
            "elliptic-curve Diffie–Hellman with fresh keys for each connection: the secret is computed on both sides, never sent, so a server key stolen later cannot decrypt this session (forward secrecy)",
            "每条连接使用新密钥的椭圆曲线 Diffie–Hellman：秘密由双方各自算出、从不传输，日后即使服务器私钥被盗，也解不开这次会话（前向保密）",
        ),
        "DHE" => lang.pick(
            "Diffie–Hellman with fresh keys for each connection: the secret is computed on both sides, never sent (forward secrecy)",
            "每条连接使用新密钥的 Diffie–Hellman：秘密由双方各自算出、从不传输（前向保密）",
        ),
        "RSA" => lang.pick(
            "the client encrypts the secret with the server's RSA public key: whoever later gets the server's private key can decrypt every recorded session (no forward secrecy)",
            "客户端用服务器的 RSA 公钥加密秘密后发送：日后谁拿到服务器私钥，谁就能解开所有录下的会话（没有前向保密）",
        ),
        "ECDH" | "DH" => lang.pick(
            "Diffie–Hellman with the fixed key in the server's certificate (no forward secrecy)",
            "使用服务器证书中固定密钥的 Diffie–Hellman（没有前向保密）",
        ),
        "PSK" => lang.pick("a key both sides were given beforehand", "双方事先配置好的预共享密钥"),
        _ => lang.pick("how the two sides agree the secret the record keys come from", "双方协商出记录密钥所依据的秘密的方式"),
    }
}

fn cipher_meaning(cipher: &str, lang: Lang) -> &'static str {
    if cipher.contains("GCM") {
        lang.pick(
            "AES in GCM mode (AEAD): encrypts each record and adds a 16-byte tag that detects any change; the key is as many bits as the name says",
            "GCM 模式的 AES（AEAD）：加密每条记录，并附加 16 字节的认证标签，任何篡改都会被发现；密钥长度即名称中的位数",
        )
    } else if cipher.contains("CHACHA20") {
        lang.pick(
            "the ChaCha20 stream cipher with the Poly1305 authenticator (AEAD): fast without AES hardware; a 16-byte tag on each record",
            "ChaCha20 流密码加 Poly1305 认证（AEAD）：没有 AES 硬件加速时也很快；每条记录带 16 字节认证标签",
        )
    } else if cipher.contains("CCM") {
        lang.pick("AES in CCM mode (AEAD): encrypts and authenticates each record", "CCM 模式的 AES（AEAD）：加密并认证每条记录")
    } else if cipher.contains("CBC") {
        lang.pick(
            "a block cipher in CBC mode with a separate HMAC: older, padding makes records longer",
            "CBC 模式的分组密码，另用 HMAC 认证：较旧的方式，填充会让记录变长",
        )
    } else {
        lang.pick("the cipher that encrypts the records", "加密记录所用的算法")
    }
}

fn hash_meaning(tls13: bool, cbc: bool, lang: Lang) -> &'static str {
    if tls13 {
        lang.pick(
            "the hash HKDF uses to derive every key from the shared secret, and the handshake transcript's hash",
            "HKDF 从共享秘密推导各个密钥时所用的哈希，也用于握手记录的摘要",
        )
    } else if cbc {
        lang.pick("the hash of the HMAC that authenticates each record", "认证每条记录的 HMAC 所用的哈希")
    } else {
        lang.pick("the hash of the PRF that turns the shared secret into the record keys", "PRF 把共享秘密变成记录密钥时所用的哈希")
    }
}

/// The seed notes' comparison of HTTP and WebSocket: (aspect, HTTP, WebSocket).
pub fn comparison(lang: Lang) -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            lang.pick("Model", "通信模式"),
            lang.pick("Request–response: the client always speaks first", "请求-响应：总是客户端先发起"),
            lang.pick("Full duplex: both sides send whenever they like", "全双工：双方随时都可以发送"),
        ),
        (
            lang.pick("Connection", "连接"),
            lang.pick("Short-lived, or kept alive for several requests", "短连接，或用 keep-alive 复用多个请求"),
            lang.pick("One long-lived TCP connection after one handshake", "一次握手之后的一条长期 TCP 连接"),
        ),
        (
            lang.pick("Server push", "服务器推送"),
            lang.pick(
                "Only by keeping a response open (Server-Sent Events) or by polling / long polling",
                "只能让响应保持打开（SSE 服务器推送事件），或者轮询、长轮询",
            ),
            lang.pick("Yes: the server sends as soon as it has news", "可以：服务器有新消息就立即发送"),
        ),
        (
            lang.pick("Overhead", "开销"),
            lang.pick("Full headers on every request and response", "每个请求和响应都带完整的头部"),
            lang.pick("2–14 bytes of header per frame", "每个帧只有 2–14 字节的帧头"),
        ),
        (
            lang.pick("State", "状态"),
            lang.pick("Stateless: each request stands alone", "无状态：每个请求相互独立"),
            lang.pick("Stateful: the connection is the session", "有状态：连接本身就是会话"),
        ),
        (lang.pick("URL scheme", "URL 前缀"), "http:// https://", "ws:// wss://"),
        (
            lang.pick("Starts with", "建立方式"),
            lang.pick("TCP handshake (+ TLS for https)", "TCP 三次握手（https 还要 TLS）"),
            lang.pick("An HTTP GET with Upgrade: websocket, answered by 101", "带 Upgrade: websocket 的 HTTP GET，服务器回 101"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn cipher_suites_are_taken_apart_as_rfc_8446_and_5246_name_them() {
        // TLS 1.3 (RFC 8446 §B.4): only the AEAD and the hash are in the name.
        let p = cipher_suite_parts("TLS_AES_256_GCM_SHA384", Lang::En);
        let vals: Vec<&str> = p.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(vals, ["(EC)DHE", "certificate signature", "AES-256-GCM", "SHA384"]);
        // TLS 1.2 (RFC 5289): ECDHE key exchange, RSA signature.
        let p = cipher_suite_parts("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Lang::Zh);
        let vals: Vec<&str> = p.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(vals, ["ECDHE", "RSA", "CHACHA20-POLY1305", "SHA256"]);
        assert_eq!(p[0].0, "密钥交换");
        // Static RSA key transport (RFC 5246): no forward secrecy, said so.
        let p = cipher_suite_parts("TLS_RSA_WITH_AES_128_CBC_SHA", Lang::En);
        assert_eq!(p[0].1, "RSA");
        assert!(p[0].2.contains("no forward secrecy"));
        assert!(p[3].2.contains("HMAC"));
        assert!(cipher_suite_parts("0x1301", Lang::En).is_empty());
    }

    use super::*;

    /// Only the counts that are not zero are listed, each with its own count and meaning.
    #[test]
    fn tcp_analysis_lists_what_happened() {
        let a = crate::model::TcpAnalysis { retransmission: 3, duplicate_ack: 2, ..Default::default() };
        let en = tcp_analysis_explained(&a, Lang::En);
        assert_eq!(en.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(), [("retransmission", 3), ("duplicate ACK", 2)]);
        assert!(en[1].2.contains("missing bytes"));
        let zh = tcp_analysis_explained(&a, Lang::Zh);
        assert_eq!((zh[0].0, zh[1].0), ("重传", "重复 ACK"));
        assert!(tcp_analysis_explained(&Default::default(), Lang::En).is_empty());
    }

    /// Every header the seed notes and the app issue name has an explanation in both languages.
    #[test]
    fn every_seed_header_is_explained_in_both_languages() {
        for name in [
            "Host",
            "User-Agent",
            "Accept",
            "Accept-Encoding",
            "Content-Type",
            "Content-Length",
            "Transfer-Encoding",
            "Connection",
            "Upgrade",
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Accept",
            "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol",
            "Sec-WebSocket-Extensions",
            "Origin",
            "Cache-Control",
            "Authorization",
            "Cookie",
            "Set-Cookie",
            "Location",
            "If-Modified-Since",
            "Last-Modified",
            "ETag",
            "Keep-Alive",
            "Accept-Language",
            "Pragma",
        ] {
            let h = header_info(&name.to_lowercase()).unwrap_or_else(|| panic!("{name} has no explanation"));
            assert!(h.rfc.starts_with("RFC "), "{name}");
            assert!(h.en.len() > 10 && h.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{name}");
        }
    }

    #[test]
    fn status_codes_opcodes_and_close_codes_in_both_languages() {
        for code in [100, 101, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 429, 500] {
            assert!(!status_meaning(code, Lang::En).is_empty() && !status_meaning(code, Lang::Zh).is_empty(), "{code}");
            assert_ne!(status_class_text(code, Lang::En), status_class_text(code, Lang::Zh));
        }
        for op in [0, 1, 2, 8, 9, 10, 3] {
            assert_ne!(opcode_meaning(op, Lang::En), opcode_meaning(op, Lang::Zh));
        }
        for code in [1000, 1001, 1006, 1011, 4000] {
            assert_ne!(close_code_meaning(code, Lang::En), close_code_meaning(code, Lang::Zh));
        }
        assert!(close_code_meaning(1006, Lang::Zh).contains("异常关闭"));
        for f in ["SYN", "SYN-ACK", "ACK", "FIN", "RST"] {
            assert!(!tcp_flag_meaning(f, Lang::Zh).is_empty());
        }
    }

    #[test]
    fn http2_frames_settings_and_error_codes_in_both_languages() {
        let names =
            ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"];
        for (k, name) in names.iter().enumerate() {
            let en = h2_frame_meaning(k as u8, Lang::En);
            assert!(en.starts_with(name), "{en}");
            assert!(h2_frame_meaning(k as u8, Lang::Zh).starts_with(name));
        }
        for id in [1, 2, 3, 4, 5, 6, 8, 9] {
            let en = h2_setting_meaning(id, Lang::En);
            assert!(en.starts_with("SETTINGS_") && h2_setting_meaning(id, Lang::Zh).starts_with(en.split(':').next().unwrap()), "{en}");
        }
        let errors = [
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        for (c, name) in errors.iter().enumerate() {
            assert!(h2_error_meaning(c as u32, Lang::En).starts_with(&format!("{name}:")));
            let zh = h2_error_meaning(c as u32, Lang::Zh);
            assert!(zh.starts_with(&format!("{name}：")) && zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
        }
        assert_ne!(h2_frame_meaning(0x42, Lang::En), h2_frame_meaning(0x42, Lang::Zh));
    }

    /// Only the handshake's own ACK is said to complete it; a data packet's ACK says up to where.
    #[test]
    fn tcp_flags_are_explained_by_context() {
        let text = |c: TcpSegmentContext, lang| tcp_flags_explained(&c, lang).into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(" ");
        let third = TcpSegmentContext { flags: 0x10, handshake_ack: true, relative_ack: 1, from_client: Some(true), ..Default::default() };
        let data = TcpSegmentContext { flags: 0x18, payload: 84, relative_ack: 1, from_client: Some(true), ..Default::default() };
        let later = TcpSegmentContext { flags: 0x10, relative_ack: 148, from_client: Some(true), ..Default::default() };
        for lang in [Lang::En, Lang::Zh] {
            let done = lang.pick("three-way handshake", "三次握手至此完成");
            assert!(text(third, lang).contains(done));
            assert!(!text(data, lang).contains(done) && !text(later, lang).contains(done));
            assert!(text(later, lang).contains("148") && text(data, lang).contains("84"));
        }
        let syn = tcp_flags_explained(&TcpSegmentContext { flags: 0x02, from_client: Some(true), ..Default::default() }, Lang::En);
        assert_eq!(syn.len(), 1);
        assert!(syn[0].1.contains("the client opens") && syn[0].1.contains("ISN"));
        let synack = text(TcpSegmentContext { flags: 0x12, from_client: Some(false), ..Default::default() }, Lang::Zh);
        assert!(synack.contains("第 2 步"));
        let fin = text(TcpSegmentContext { flags: 0x11, relative_ack: 9, from_client: Some(false), ..Default::default() }, Lang::En);
        assert!(fin.contains("the server has finished sending"));
        let rst = text(TcpSegmentContext { flags: 0x04, ..Default::default() }, Lang::Zh);
        assert!(rst.contains("立即中止"));
    }
}
