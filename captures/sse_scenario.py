#!/usr/bin/env python3
"""Server-Sent Events on loopback, for captures/sse.pcapng (run by record-sse.sh).

A raw-socket HTTP server sends known events three ways, and curl reads each stream:
  /chunked  HTTP/1.1 chunked, LF line ends, one event split across two chunks (two packets)
  /close    no length, ends with the connection, a BOM first, CRLF and lone-CR line ends
  /gzip     chunked and gzip-coded, flushed after every event
Comments, a retry-only block, ids (one persisting to the next event), multi-line data.
The events each stream should fire (what an EventSource reports: data, event type, last event
ID, and the retry set since the previous event) are written to expected/sse.events.json: the
oracle tests/captures_truth.rs compares wirescope's decode against.
Usage: sse_scenario.py PORT OUT_JSON
"""
import json, socket, subprocess, sys, threading, time, zlib

# (field lines, event as fired or None when the block fires nothing)
BLOCKS = [
    ([": the server says hello (a comment)"], None),
    (["retry: 2500"], None),
    (["id: 1", "data: first message"], {"id": "1", "event": None, "data": "first message", "retry": 2500}),
    (["event: update", "id: 2", "data: {\"price\": 10}"], {"id": "2", "event": "update", "data": "{\"price\": 10}", "retry": None}),
    (["data: line one", "data: line two", "data:  two spaces, one kept"], {"id": "2", "event": None, "data": "line one\nline two\n two spaces, one kept", "retry": None}),
    ([": keep-alive"], None),
    (["event: done", "id: 3", "data: 你好, bye"], {"id": "3", "event": "done", "data": "你好, bye", "retry": None}),
]

def wire(eol):
    return [((eol.join(lines) + eol + eol).encode(), ev) for lines, ev in BLOCKS]

def serve(conn):
    req = b""
    while b"\r\n\r\n" not in req:
        d = conn.recv(4096)
        if not d:
            return
        req += d
    path = req.split(b" ")[1].decode()
    if path == "/chunked":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i, (b, _) in enumerate(wire("\n")):
            time.sleep(0.05)
            parts = [b[: len(b) // 2], b[len(b) // 2 :]] if i == 4 else [b]
            for p in parts:
                conn.sendall(b"%x\r\n%s\r\n" % (len(p), p))
                time.sleep(0.05)
        conn.sendall(b"0\r\n\r\n")
    elif path == "/close":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: Text/Event-Stream; charset=utf-8\r\nConnection: close\r\n\r\n")
        for i, (b, _) in enumerate(wire("\r\n")):
            time.sleep(0.05)
            if i == 4:
                b = b.replace(b"\r\n", b"\r")
            conn.sendall((b"\xef\xbb\xbf" if i == 0 else b"") + b)
    elif path == "/gzip":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
        z = zlib.compressobj(6, zlib.DEFLATED, 31)
        for b, _ in wire("\n"):
            time.sleep(0.05)
            p = z.compress(b) + z.flush(zlib.Z_SYNC_FLUSH)
            conn.sendall(b"%x\r\n%s\r\n" % (len(p), p))
        p = z.flush()
        conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(p), p))
    conn.shutdown(socket.SHUT_WR)
    time.sleep(0.2)
    conn.close()

def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen()
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    fired = [ev for _, ev in BLOCKS if ev]
    for path in ["/chunked", "/close", "/gzip"]:
        subprocess.run(["curl", "-sN", "--max-time", "10", "-o", "/dev/null", f"http://127.0.0.1:{port}{path}"], check=True)
        time.sleep(0.2)
    json.dump({"streams": ["/chunked", "/close", "/gzip"], "events": fired}, open(out, "w"), ensure_ascii=False, indent=1)

main()
