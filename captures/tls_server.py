"""A small HTTPS server for captures/record-tls.sh: HTTP/1.1 keep-alive over TLS (Python's ssl,
that is OpenSSL), on 127.0.0.1. Usage: tls_server.py PORT CERT KEY [tls1.2|tls1.3] [SECONDS]."""
import http.server
import ssl
import sys
import threading

BIG = b"".join(b"line %05d of a body larger than one TLS record\n" % i for i in range(800))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, kind="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/hello":
            self.send(200, b"hello over TLS\n")
        elif self.path == "/big":
            self.send(200, BIG)
        else:
            self.send(404, b"not found\n")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.send(201, self.rfile.read(n), "application/json")


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    version = sys.argv[4] if len(sys.argv) > 4 else "tls1.3"
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 30
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    if version == "tls1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305")
    srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Timer(seconds, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
