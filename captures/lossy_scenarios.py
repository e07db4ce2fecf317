#!/usr/bin/env python3
"""The two sessions recorded through the lossy path by record-lossy.sh: each server runs in the
server namespace, each client in the client namespace, so every packet crosses lossy_relay.py.

Usage: lossy_scenarios.py http-server|http-client|ws-server|ws-client HOST PORT
Needs: curl, and the Python package websockets (>= 13, the asyncio API).
"""
import asyncio, os, random, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Sizes from a fixed seed, so a re-recording sends the same bytes (the losses differ with timing).
SIZES_HTTP = [60_000, 150_000, 200_000, 90_000]
UPLOAD = 120_000


def blob(n, tag):
    """n bytes of printable text (so a reader can follow the stream), different per tag."""
    line = f"{tag}: the quick brown fox jumps over the lazy dog 0123456789\n".encode()
    return (line * (n // len(line) + 1))[:n]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wirescope-lab/1"

    def log_message(self, *a):
        pass

    def reply(self, body, ctype="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        # /blob/N: N bytes of text.
        n = int(self.path.rsplit("/", 1)[1]) if self.path.startswith("/blob/") else 0
        self.reply(blob(min(n, 1_000_000), self.path))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        got = self.rfile.read(n)
        self.reply(f'{{"received": {len(got)}}}'.encode(), "application/json")


def http_server(host, port):
    srv = ThreadingHTTPServer((host, port), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    time.sleep(60)  # record-lossy.sh ends it when the client is done


def http_client(host, port):
    """One keep-alive connection (curl reuses it across --next): four GETs and one upload."""
    u = f"http://{host}:{port}"
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(blob(UPLOAD, "upload"))
    args = ["curl", "-s", "--max-time", "30", "-o", "/dev/null", f"{u}/blob/{SIZES_HTTP[0]}", "-o", "/dev/null", f"{u}/blob/{SIZES_HTTP[1]}"]
    args += ["--next", "-s", "--max-time", "30", "-o", "/dev/null", "-H", "Expect:", "-H", "Content-Type: text/plain",
             "--data-binary", f"@{f.name}", f"{u}/upload"]
    args += ["--next", "-s", "--max-time", "30", "-o", "/dev/null", f"{u}/blob/{SIZES_HTTP[2]}", "-o", "/dev/null", f"{u}/blob/{SIZES_HTTP[3]}"]
    subprocess.run(args, check=False)
    os.unlink(f.name)


def ws_messages():
    """50 messages of mixed sizes: mostly small, some spanning many segments; text and binary."""
    rng = random.Random(1515)
    out = []
    for i in range(50):
        n = rng.choice([rng.randint(2, 120), rng.randint(200, 1400), rng.randint(2000, 6000), rng.randint(8000, 24000)])
        if i % 3 == 2:
            out.append(bytes(rng.getrandbits(8) for _ in range(n)))
        else:
            out.append(f"#{i} ".encode().ljust(n, b"z").decode())
    return out


async def ws_server_main(host, port):
    from websockets.asyncio.server import serve

    async def echo(ws):
        try:
            async for msg in ws:
                await ws.send(msg)
        except Exception:
            pass

    async with serve(echo, host, port, compression=None, max_size=None):
        await asyncio.sleep(60)


async def ws_client_main(host, port):
    from websockets.asyncio.client import connect

    async with connect(f"ws://{host}:{port}/echo", compression=None, max_size=None) as ws:
        for m in ws_messages():
            await ws.send(m)
            assert await ws.recv() == m
        pong = await ws.ping(b"still there?")
        await pong
        await ws.close(1000, "done")


if __name__ == "__main__":
    role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {
        "http-server": lambda: http_server(host, port),
        "http-client": lambda: http_client(host, port),
        "ws-server": lambda: asyncio.run(ws_server_main(host, port)),
        "ws-client": lambda: asyncio.run(ws_client_main(host, port)),
    }[role]()
