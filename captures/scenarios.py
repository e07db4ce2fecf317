#!/usr/bin/env python3
"""Scenarios recorded into captures/ by record.sh: real servers and clients on loopback only.

Each scenario starts its server(s) on 127.0.0.1 or ::1, drives real clients (curl, the websockets
library, python-socketio, raw sockets where a rule must be bent), and returns when done.
Usage: scenarios.py NAME PORT
"""
import asyncio, gzip, json, os, socket, struct, subprocess, sys, threading, time, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


def make_png(w=64, h=32):
    """A small gradient PNG, built by hand so no imaging package is needed."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 4 % 256, y * 8 % 256, 180)) for x in range(w)) for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def curl(*args):
    subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "10", *args], check=False)


def serve(handler, port, host=HOST, v6=False):
    cls = ThreadingHTTPServer
    if v6:
        class V6(ThreadingHTTPServer):
            address_family = socket.AF_INET6
        cls = V6
    srv = cls((host, port), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class Rest(BaseHTTPRequestHandler):
    """A tiny REST resource and a gallery of status codes."""
    protocol_version = "HTTP/1.1"
    items = {"1": {"id": 1, "name": "first"}}
    server_version = "wirescope-lab/1"

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", ctype="application/json", extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        if code not in (204, 304) and not (100 <= code < 200):
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        p = self.path
        if p.startswith("/items/"):
            p = p.split("?")[0]
        if p.startswith("/status/"):
            code = int(p.split("/")[2])
            extra = []
            if code == 301:
                extra = [("Location", "/moved-here")]
            if code == 302:
                extra = [("Location", "/found-here")]
            if code == 401:
                extra = [("WWW-Authenticate", 'Basic realm="lab"')]
            if code == 405:
                extra = [("Allow", "GET, POST")]
            if code == 429:
                extra = [("Retry-After", "30")]
            body = json.dumps({"status": code}).encode()
            return self.reply(code, body, extra=extra)
        if p == "/img/logo.png":
            return self.reply(200, make_png(), "image/png", [("Cache-Control", "max-age=3600")])
        if p in ("/moved-here", "/found-here"):
            return self.reply(200, b'{"arrived":true}')
        if p == "/cached":
            etag = '"v1"'
            if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since"):
                return self.reply(304, extra=[("ETag", etag), ("Last-Modified", "Mon, 02 Feb 2026 10:00:00 GMT")])
            return self.reply(200, b"cached content\n", "text/plain", [("ETag", etag), ("Last-Modified", "Mon, 02 Feb 2026 10:00:00 GMT"), ("Cache-Control", "max-age=60")])
        if p == "/chunked-gzip":
            raw = ("".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(400))).encode()
            data = gzip.compress(raw)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 700):
                part = data[i:i + 700]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
                self.wfile.flush()
                time.sleep(0.01)
            self.wfile.write(b"0\r\n\r\n")
            return
        if p == "/deflate":
            data = zlib.compress(b'{"deflated": true, "pad": "' + b"ab" * 500 + b'"}')
            return self.reply(200, data, extra=[("Content-Encoding", "deflate")])
        if p == "/items":
            return self.reply(200, json.dumps(list(self.items.values())).encode())
        if p.startswith("/items/"):
            it = self.items.get(p.split("/")[2])
            return self.reply(200, json.dumps(it).encode()) if it else self.reply(404, b'{"error":"not found"}')
        if p == "/secret":
            if self.headers.get("Authorization") != "Bearer lab-token":
                return self.reply(401, b'{"error":"token required"}', extra=[("WWW-Authenticate", "Bearer")])
            return self.reply(403, b'{"error":"token valid but not allowed"}')
        if p.startswith("/poll"):
            # Short polling: answer at once, with or without news.
            n = int(Rest.events_ready())
            return self.reply(200, json.dumps({"events": n}).encode())
        if p.startswith("/long-poll"):
            since = int(p.split("since=")[1]) if "since=" in p else 0
            deadline = time.time() + 5
            while Rest.events_ready() <= since and time.time() < deadline:
                time.sleep(0.01)
            return self.reply(200, json.dumps({"event": Rest.events_ready()}).encode())
        if p == "/boom":
            return self.reply(500, b'{"error":"internal"}')
        return self.reply(404, b'{"error":"not found"}')

    start = time.time()

    @staticmethod
    def events_ready():
        # One server event every 150 ms, ten in all.
        return min(10, int((time.time() - Rest.start) / 0.15))

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        b = self.body()
        if self.path == "/upload":
            return self.reply(201, json.dumps({"received": len(b)}).encode())
        if self.path == "/items":
            item = json.loads(b or b"{}")
            item["id"] = len(self.items) + 1
            self.items[str(item["id"])] = item
            return self.reply(201, json.dumps(item).encode(), extra=[("Location", f"/items/{item['id']}")])
        if self.path == "/hook":
            return self.reply(204)
        if self.path == "/subscribe":
            cb = json.loads(b)["callback"]
            threading.Thread(target=Rest.fire_webhook, args=(cb,), daemon=True).start()
            return self.reply(202, b'{"subscribed":true}')
        return self.reply(405, b'{"error":"method not allowed"}', extra=[("Allow", "GET")])

    @staticmethod
    def fire_webhook(url):
        time.sleep(0.2)
        import urllib.request
        req = urllib.request.Request(url, data=json.dumps({"event": "order.paid", "order": 42}).encode(), headers={"Content-Type": "application/json", "X-Signature": "sha256=lab"}, method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def do_PUT(self):
        b = self.body()
        key = self.path.split("/")[-1]
        self.items[key] = json.loads(b or b"{}")
        return self.reply(200, json.dumps(self.items[key]).encode())

    def do_PATCH(self):
        b = self.body()
        key = self.path.split("/")[-1]
        self.items.setdefault(key, {}).update(json.loads(b or b"{}"))
        return self.reply(200, json.dumps(self.items[key]).encode())

    def do_DELETE(self):
        self.items.pop(self.path.split("/")[-1], None)
        return self.reply(204)


def http_methods(port):
    serve(Rest, port)
    u = f"http://{HOST}:{port}"
    curl(f"{u}/items")
    curl("-X", "POST", "-H", "Content-Type: application/json", "-d", '{"name":"second"}', f"{u}/items")
    curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", '{"id":2,"name":"renamed"}', f"{u}/items/2")
    curl("-X", "PATCH", "-H", "Content-Type: application/json", "-d", '{"done":true}', f"{u}/items/2")
    curl("-X", "DELETE", f"{u}/items/2")
    curl("-I", f"{u}/items/1")


def http_status(port):
    serve(Rest, port)
    u = f"http://{HOST}:{port}"
    for code in (200, 201, 204, 400, 403, 404, 405, 429, 500):
        curl(f"{u}/status/{code}")
    curl("-L", f"{u}/status/301")
    curl("-L", f"{u}/status/302")
    curl(f"{u}/img/logo.png")
    curl(f"{u}/cached")
    curl("-H", 'If-None-Match: "v1"', f"{u}/cached")
    curl("-H", "If-Modified-Since: Mon, 02 Feb 2026 10:00:00 GMT", f"{u}/cached")
    curl(f"{u}/secret")
    curl("-H", "Authorization: Bearer lab-token", f"{u}/secret")
    curl("-X", "DELETE", f"{u}/upload")
    curl("-X", "POST", f"{u}/nothing-here")


def keepalive(port):
    serve(Rest, port)
    u = f"http://{HOST}:{port}"
    # Five requests on one connection (curl reuses it), then five connections.
    curl(*[f"{u}/items/1?n={i}" for i in range(5)])
    for i in range(5):
        curl("-H", "Connection: close", f"{u}/items/1?n={i}")


def chunked_gzip(port):
    serve(Rest, port)
    u = f"http://{HOST}:{port}"
    curl("--compressed", f"{u}/chunked-gzip")
    curl(f"{u}/deflate")
    # 100-continue: curl waits for the interim response before sending the body.
    subprocess.run(["dd", "if=/dev/zero", "of=/tmp/ws-body.bin", "bs=1024", "count=64", "status=none"])
    curl("-H", "Expect: 100-continue", "--data-binary", "@/tmp/ws-body.bin", f"{u}/upload")


def pipelining(port):
    serve(Rest, port)
    s = socket.create_connection((HOST, port))
    reqs = (b"GET /items/1 HTTP/1.1\r\nHost: lab\r\n\r\n"
            b"HEAD /items/1 HTTP/1.1\r\nHost: lab\r\n\r\n"
            b"GET /status/404 HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
    s.sendall(reqs)
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()


def polling(port):
    serve(Rest, port)
    Rest.start = time.time()
    import http.client
    c = http.client.HTTPConnection(HOST, port)
    # Short polling every 200 ms for two seconds.
    for _ in range(10):
        c.request("GET", "/poll")
        c.getresponse().read()
        time.sleep(0.2)
    c.close()
    Rest.start = time.time()
    c = http.client.HTTPConnection(HOST, port)
    seen = 0
    while seen < 5:
        c.request("GET", f"/long-poll?since={seen}")
        seen = json.loads(c.getresponse().read())["event"]
    c.close()


def webhook(port):
    serve(Rest, port)
    done = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a):
            pass
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            done.set()

    serve(Receiver, port + 1)
    curl("-H", "Content-Type: application/json", "-d", json.dumps({"callback": f"http://{HOST}:{port + 1}/hook"}), f"http://{HOST}:{port}/subscribe")
    done.wait(5)
    time.sleep(0.2)


async def ws_server(port, compression, host=HOST, behaviour="echo", subprotocols=None):
    import websockets
    from websockets.asyncio.server import serve as wserve

    async def handler(ws):
        try:
            async for msg in ws:
                if behaviour == "goaway" and msg == "bye?":
                    await ws.close(1001, "server shutting down")
                    return
                await ws.send(msg)
        except websockets.ConnectionClosed:
            pass

    return await wserve(handler, host, port, compression=compression, subprotocols=subprotocols, max_size=None)


async def ws_session(port, compression):
    from websockets.asyncio.client import connect
    srv = await ws_server(port, compression, subprotocols=["chat.v1"])
    async with connect(f"ws://{HOST}:{port}/chat", compression=compression, subprotocols=["chat.v1"], max_size=None, origin="http://127.0.0.1:5500") as ws:
        await ws.send("Hello, WebSocket!")
        await ws.recv()
        await ws.send(bytes(range(256)))
        await ws.recv()
        await ws.send(["frag", "mented ", "message"])  # a fragmented text message
        await ws.recv()
        await ws.send("x" * 70000)  # larger than 64 KiB: 64-bit length form
        await ws.recv()
        pong = await ws.ping(b"are you there")
        await pong
        await ws.send(json.dumps({"type": "chat", "text": "你好"}))
        await ws.recv()
        await ws.close(1000, "done")
    srv.close()
    await srv.wait_closed()


def websocket(port):
    asyncio.run(ws_session(port, None))


def websocket_deflate(port):
    asyncio.run(ws_session(port, "deflate"))


def websocket_close(port):
    async def run():
        from websockets.asyncio.client import connect
        srv = await ws_server(port, None, behaviour="goaway")
        async with connect(f"ws://{HOST}:{port}/") as ws:
            await ws.send("bye?")
            try:
                await ws.recv()
            except Exception:
                pass
        srv.close()
        await srv.wait_closed()
        # Abnormal end: the client's process dies mid-session, no close frame (1006).
        srv = await ws_server(port + 1, None)
        reader, writer = await asyncio.open_connection(HOST, port + 1)
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}:{port + 1}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        mask = b"\x01\x02\x03\x04"
        payload = b"last words"
        writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        await writer.drain()
        await reader.readexactly(2 + len(payload))
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close with RST
        writer.transport.abort()
        await asyncio.sleep(0.3)
        srv.close()
        await srv.wait_closed()
    asyncio.run(run())


def ipv6(port):
    serve(Rest, port, host="::1", v6=True)
    curl("-g", f"http://[::1]:{port}/items/1")

    async def ws6():
        from websockets.asyncio.client import connect
        srv = await ws_server(port + 1, None, host="::1")
        async with connect(f"ws://[::1]:{port + 1}/") as ws:
            await ws.send("over IPv6")
            await ws.recv()
        srv.close()
        await srv.wait_closed()
    asyncio.run(ws6())


def socketio_chat(port):
    """Socket.IO as in seed note 000 (Flask-SocketIO speaks the same protocol; python-socketio's
    server runs here on aiohttp because Werkzeug's development server cannot upgrade reliably)."""
    import socketio
    from aiohttp import web

    async def main():
        sio = socketio.AsyncServer(async_mode="aiohttp")
        app = web.Application()
        sio.attach(app)

        @sio.on("message")
        async def on_message(sid, data):
            await sio.emit("message", {"echo": data})

        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, HOST, port).start()
        c = socketio.AsyncClient()
        got = asyncio.Event()

        @c.on("message")
        async def on_reply(data):
            got.set()

        await c.connect(f"http://{HOST}:{port}", transports=["polling", "websocket"])
        await asyncio.sleep(0.5)
        await c.emit("message", "hello from python-socketio")
        await asyncio.wait_for(got.wait(), 5)
        await asyncio.sleep(0.3)
        await c.disconnect()
        await asyncio.sleep(0.3)
        await runner.cleanup()

    asyncio.run(main())


if __name__ == "__main__":
    name, port = sys.argv[1], int(sys.argv[2])
    globals()[name](port)
