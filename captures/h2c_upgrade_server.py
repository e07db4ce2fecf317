"""h2c Upgrade lab server for captures/record-http2.sh: hypercorn (pip install hypercorn) serves
this ASGI app on cleartext and answers `Upgrade: h2c` with 101 and HTTP/2.
Usage: python3 h2c_upgrade_server.py PORT"""
import asyncio
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b"hello after the h2c upgrade\n" if scope["path"] == "/" else b"second stream\n"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


config = Config()
config.bind = [f"127.0.0.1:{sys.argv[1]}"]
config.accesslog = None
asyncio.run(serve(app, config))
