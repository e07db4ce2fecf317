//! The classroom lab: real servers on loopback (hyper for HTTP, tokio-tungstenite for WebSocket)
//! and scripted clients that run one scenario each, with a bilingual narration of what happens.
//! Everything here runs on a tokio runtime owned by the caller (the CLI or the app's lab thread);
//! the traffic is captured by `source::recorder`, or recorded by `relay` when capturing is not
//! permitted. Nothing here leaves 127.0.0.1.

pub mod relay;
pub mod run;
pub mod scenarios;
pub mod servers;
pub mod tls_h2;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// A text in both UI languages.
#[derive(Debug, Clone, Copy)]
pub struct Bi {
    pub en: &'static str,
    pub zh: &'static str,
}

/// One scenario of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioInfo {
    pub id: &'static str,
    pub title: Bi,
    pub teaches: Bi,
}

/// What a connection to the lab servers shows, from its first request's path: each of the lab's
/// clients uses one endpoint (push-vs-poll's four clients use `/poll`, `/long-poll`, `/sse` and the
/// WebSocket `/events`), so a lab run's connections can be named after the technique they show.
pub fn connection_role(path: &str) -> Option<Bi> {
    let path = path.split('?').next().unwrap_or(path);
    Some(match path {
        "/poll" => Bi { en: "Short polling", zh: "短轮询" },
        "/long-poll" => Bi { en: "Long polling", zh: "长轮询" },
        "/sse" => Bi { en: "SSE", zh: "SSE" },
        "/events" => Bi { en: "WebSocket push", zh: "WebSocket 推送" },
        "/chat" => Bi { en: "WebSocket chat", zh: "WebSocket 聊天" },
        "/tokens" => Bi { en: "Token streaming", zh: "逐词流式输出" },
        "/answer" => Bi { en: "Whole answer at once", zh: "一次性返回整段回答" },
        _ => return None,
    })
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    ScenarioInfo {
        id: "handshake",
        title: Bi { en: "TCP handshake, one GET, close", zh: "TCP 三次握手、一次 GET、关闭连接" },
        teaches: Bi {
            en: "SYN, SYN-ACK, ACK open the connection; one request and one response; FIN from each side closes it.",
            zh: "SYN、SYN-ACK、ACK 建立连接；一次请求一次响应；双方各发 FIN 关闭连接。",
        },
    },
    ScenarioInfo {
        id: "keep-alive",
        title: Bi {
            en: "Keep-alive: five requests on one connection vs five connections",
            zh: "长连接：一条连接上的五个请求，对比五条连接",
        },
        teaches: Bi {
            en: "Reusing a connection saves a handshake (one round trip) per request.",
            zh: "复用连接，每个请求省去一次握手（一个往返）。",
        },
    },
    ScenarioInfo {
        id: "status-codes",
        title: Bi { en: "Status codes gallery", zh: "状态码一览" },
        teaches: Bi {
            en: "200, 201, 204, 301 and 302 followed, 304 for a conditional GET, 400, 401, 403, 404, 405, 429 with Retry-After, 500.",
            zh: "200、201、204，跟随 301 和 302，条件请求得到 304，400、401、403、404、405、带 Retry-After 的 429、500。",
        },
    },
    ScenarioInfo {
        id: "rest-crud",
        title: Bi { en: "REST CRUD on one resource", zh: "REST 增删改查" },
        teaches: Bi {
            en: "GET lists, POST creates (201 + Location), PUT replaces, PATCH changes a field, DELETE removes (204), then GET gives 404.",
            zh: "GET 查询，POST 创建（201 + Location），PUT 整体替换，PATCH 修改字段，DELETE 删除（204），再 GET 得到 404。",
        },
    },
    ScenarioInfo {
        id: "push-vs-poll",
        title: Bi {
            en: "Ten server events: short polling, long polling, SSE, WebSocket",
            zh: "十个服务器事件：短轮询、长轮询、SSE、WebSocket",
        },
        teaches: Bi {
            en: "The same events delivered four ways, side by side: requests made, bytes on the wire, delivery latency.",
            zh: "同样的事件用四种方式送达：请求次数、线上字节数、送达延迟，一目了然。",
        },
    },
    ScenarioInfo {
        id: "ws-upgrade",
        title: Bi { en: "The WebSocket upgrade, step by step", zh: "WebSocket 升级握手详解" },
        teaches: Bi {
            en: "GET with Upgrade: websocket and a random key; 101 with Sec-WebSocket-Accept = base64(SHA-1(key + GUID)); then frames.",
            zh: "带 Upgrade: websocket 和随机 Key 的 GET；101 响应中 Sec-WebSocket-Accept = base64(SHA-1(Key + GUID))；之后是帧。",
        },
    },
    ScenarioInfo {
        id: "chat",
        title: Bi { en: "Chat: two clients and a broadcast server", zh: "聊天室：两个客户端与广播服务器" },
        teaches: Bi {
            en: "The server pushes each message to every client without being asked: full duplex.",
            zh: "服务器无需请求即可把每条消息推送给所有客户端：全双工。",
        },
    },
    ScenarioInfo {
        id: "heartbeat",
        title: Bi { en: "Heartbeat: ping/pong vs an idle-killing proxy", zh: "心跳：ping/pong 与会断开空闲连接的代理" },
        teaches: Bi {
            en: "A proxy drops connections idle for 1.5 s, as load balancers do; the client that pings every 0.5 s survives.",
            zh: "代理会断开空闲 1.5 秒的连接（负载均衡器常这样做）；每 0.5 秒 ping 一次的客户端得以保活。",
        },
    },
    ScenarioInfo {
        id: "close",
        title: Bi {
            en: "Closing: clean 1000 vs killed connection (1006)", zh: "关闭：正常 1000 与被强制终止的连接（1006）"
        },
        teaches: Bi {
            en: "A close frame with code and reason answered by a close frame, against a TCP reset with no close frame at all.",
            zh: "带状态码和原因的 Close 帧得到对方 Close 回应；对比：没有任何 Close 帧，直接用 TCP RST 重置连接。",
        },
    },
    ScenarioInfo {
        id: "webhook",
        title: Bi { en: "Webhook: the server calls you back", zh: "Webhook：服务器回调你" },
        teaches: Bi {
            en: "The client registers a callback URL; later the server POSTs events to it: the roles of client and server swap.",
            zh: "客户端登记回调地址；之后服务器向它 POST 事件：客户端与服务器的角色互换。",
        },
    },
    ScenarioInfo {
        id: "streaming",
        title: Bi {
            en: "Streaming tokens over WebSocket vs one full HTTP response", zh: "WebSocket 流式输出，对比一次性返回的 HTTP 响应"
        },
        teaches: Bi {
            en: "Like a chat agent: the first token arrives at once on WebSocket, but only with the whole answer over plain HTTP.",
            zh: "像聊天智能体：WebSocket 上第一个词立刻到达；普通 HTTP 要等整个回答生成完。",
        },
    },
    ScenarioInfo {
        id: "deflate",
        title: Bi { en: "permessage-deflate on vs off", zh: "permessage-deflate 压缩开与关" },
        teaches: Bi {
            en: "The same JSON messages with and without compression (RSV1 set, shared context): bytes saved.",
            zh: "同样的 JSON 消息，压缩（RSV1 置位、共享上下文）与不压缩：节省了多少字节。",
        },
    },
    ScenarioInfo {
        id: "chunked-gzip",
        title: Bi { en: "Chunked transfer and gzip: one response, many chunks", zh: "分块传输与 gzip：一个响应，多个分块" },
        teaches: Bi {
            en: "Transfer-Encoding: chunked sends a body of unknown length piece by piece; Content-Encoding: gzip compresses it.",
            zh: "Transfer-Encoding: chunked 把长度未知的响应体分块发送；Content-Encoding: gzip 对其压缩。",
        },
    },
    ScenarioInfo {
        id: "https-wss",
        title: Bi { en: "HTTPS and WSS: what an eavesdropper sees", zh: "HTTPS 与 WSS：窃听者能看到什么" },
        teaches: Bi {
            en: "The same POST and WebSocket message over http/ws and inside TLS: the SNI, the handshake, ciphertext larger than plaintext; the recording carries its keys, so it can be decrypted.",
            zh: "同样的 POST 和 WebSocket 消息，分别走 http/ws 和 TLS：SNI、握手、密文比明文大；录制里带着密钥，可以解密查看。",
        },
    },
    ScenarioInfo {
        id: "h1-vs-h2",
        title: Bi {
            en: "HTTP/1.1 head-of-line blocking against HTTP/2 multiplexing",
            zh: "HTTP/1.1 队头阻塞对比 HTTP/2 多路复用",
        },
        teaches: Bi {
            en: "Six requests, one slow, on one HTTP/1.1 connection and on one HTTP/2 connection: on HTTP/1.1 the quick ones wait behind the slow one, on HTTP/2 they do not.",
            zh: "六个请求（其中一个很慢）分别放在一个 HTTP/1.1 连接和一个 HTTP/2 连接上：HTTP/1.1 上快请求要排在慢请求后面，HTTP/2 上不用。",
        },
    },
];

pub fn find(id: &str) -> Option<&'static ScenarioInfo> {
    let id = id.trim().to_ascii_lowercase();
    SCENARIOS.iter().enumerate().find(|(i, s)| s.id == id || (i + 1).to_string() == id).map(|(_, s)| s)
}

/// A narration line, stamped with the wall-clock time it was said (the same clock as packet
/// timestamps on a live capture), so the views can tie it to the arrows around it.
#[derive(Debug, Clone)]
pub struct Note {
    pub ts_ns: i64,
    pub en: String,
    pub zh: String,
    /// The arrow the line speaks of, for the diagram to pin it on (None: a general remark).
    pub pin: Option<Pin>,
}

/// Which arrow a narration line speaks of, named by what it carries rather than by a time, so the
/// diagram pins it on that arrow in that connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// The first arrow sent at or after the line was said whose label contains the text.
    Next(String),
    /// The last arrow that arrived before the line was said whose label contains the text.
    Last(String),
}

impl Pin {
    pub fn next(text: impl Into<String>) -> Option<Pin> {
        Some(Pin::Next(text.into()))
    }
    pub fn last(text: impl Into<String>) -> Option<Pin> {
        Some(Pin::Last(text.into()))
    }
}

/// A measured figure of a scenario's outcome: its label and its value in both languages (most
/// values are numbers and units, the same in both).
#[derive(Debug, Clone)]
pub struct Figure {
    pub en: String,
    pub zh: String,
    pub value: String,
    pub value_zh: String,
}

impl Figure {
    /// (label, value) in a language.
    pub fn text(&self, lang: crate::analysis::explain::Lang) -> (&str, &str) {
        match lang {
            crate::analysis::explain::Lang::En => (&self.en, &self.value),
            crate::analysis::explain::Lang::Zh => (&self.zh, &self.value_zh),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub figures: Vec<Figure>,
}

pub fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// Where narration goes: every listener hears each note once.
#[derive(Clone, Default)]
pub struct Narrator {
    inner: Arc<Mutex<Vec<Box<dyn FnMut(&Note) + Send>>>>,
    said: Arc<Mutex<Vec<Note>>>,
}

impl Narrator {
    pub fn listen(&self, f: impl FnMut(&Note) + Send + 'static) {
        if let Ok(mut v) = self.inner.lock() {
            v.push(Box::new(f));
        }
    }

    pub fn say(&self, en: impl Into<String>, zh: impl Into<String>) {
        self.say_at(None, en, zh);
    }

    /// Says a line about one arrow (see [`Pin`]).
    pub fn say_at(&self, pin: Option<Pin>, en: impl Into<String>, zh: impl Into<String>) {
        let n = Note { ts_ns: now_ns(), en: en.into(), zh: zh.into(), pin };
        if let Ok(mut v) = self.inner.lock() {
            for f in v.iter_mut() {
                f(&n);
            }
        }
        if let Ok(mut s) = self.said.lock() {
            s.push(n);
        }
    }

    pub fn notes(&self) -> Vec<Note> {
        self.said.lock().map(|s| s.clone()).unwrap_or_default()
    }
}
