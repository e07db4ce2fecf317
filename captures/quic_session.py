"""One HTTP/3 GET over QUIC v1 on 127.0.0.1, for captures/record-quic.sh: an aioquic server and an
aioquic client (ALPN h3, SNI quic.wirescope.test). The client writes its TLS secrets in NSS key-log
format (QUIC's labels: CLIENT_HANDSHAKE_TRAFFIC_SECRET, ... CLIENT_TRAFFIC_SECRET_0) to --keys.
Bounded: the whole exchange has a 15 s timeout."""

import argparse
import asyncio
import ssl

from aioquic.asyncio import connect, serve
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import QuicEvent

NAME = "quic.wirescope.test"


class Server(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)

    def quic_event_received(self, event: QuicEvent) -> None:
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived) and e.stream_ended:
                body = b"hello over HTTP/3\n"
                self.h3.send_headers(
                    e.stream_id,
                    [(b":status", b"200"), (b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
                )
                self.h3.send_data(e.stream_id, body, end_stream=True)
                self.transmit()


class Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.done = asyncio.get_event_loop().create_future()
        self.body = b""

    def quic_event_received(self, event: QuicEvent) -> None:
        for e in self.h3.handle_event(event):
            if isinstance(e, DataReceived):
                self.body += e.data
                if e.stream_ended and not self.done.done():
                    self.done.set_result(self.body)

    async def get(self, path: str) -> bytes:
        sid = self._quic.get_next_available_stream_id()
        self.h3.send_headers(
            sid,
            [(b":method", b"GET"), (b":scheme", b"https"), (b":authority", NAME.encode()), (b":path", path.encode()),
             (b"user-agent", b"aioquic")],
            end_stream=True,
        )
        self.transmit()
        return await self.done


async def main(args) -> None:
    scfg = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
    scfg.load_cert_chain(args.cert, args.key)
    server = await serve("127.0.0.1", args.port, configuration=scfg, create_protocol=Server)
    try:
        with open(args.keys, "w") as keys:
            ccfg = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, server_name=NAME, secrets_log_file=keys)
            ccfg.verify_mode = ssl.CERT_NONE
            async with connect("127.0.0.1", args.port, configuration=ccfg, create_protocol=Client) as client:
                body = await client.get("/hello")
                print("client got", body)
                client.close()
                await client.wait_closed()
    finally:
        server.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=4433)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--keys", required=True)
    asyncio.run(asyncio.wait_for(main(p.parse_args()), 15))
