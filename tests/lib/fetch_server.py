#!/usr/bin/env python3
"""fetch_server.py - loopback HTTP servers for the kyso_fetch tests.

  fetch_server.py origin --port-file F --log F --root DIR [--tls CERT KEY]
  fetch_server.py proxy  --port-file F --log F

Binds 127.0.0.1 on a free port (written to --port-file once listening) and
logs one line per request ("METHOD PATH" for the origin, "PROXY METHOD URL"
for the proxy) to --log, flushed at once so a test can count tries.

Origin routes:
  /ok                 200 "hello kyso\\n" (application/octet-stream)
  /status/N           status N, a short body
  /big/N              200, N bytes, no Content-Length (read until close)
  /big-cl/N           200, Content-Length: N, sends only 16 bytes (the
                      client must refuse before reading)
  /slow/S             sleeps S seconds, then 200; logs "INFLIGHT N", the
                      number of /slow requests being answered at once
  /redirect/N?to=URL  status N (301..308), Location: URL (absolute or not)
  /loop               302 to /loop
  /echo               POST: 200 with the body; Content-Type of the request
                      echoed as X-Got-Type and in the log
  /text               200 text/html
  /many-headers       200 with 80 KB of header lines
  /files/NAME         DIR/files/NAME (content type from the extension:
                      .crl application/pkix-crl, .cer/.der
                      application/pkix-cert, .p7c application/pkcs7-mime)
  /tsa                POST: `openssl ts -reply -config DIR/tsa.cnf` on the
                      request body; application/timestamp-reply
  /tsa-type/T         as /tsa with Content-Type T (URL-quoted)
The proxy forwards plain-http absolute-URI requests (GET/POST) with
http.client and answers what the origin answered; CONNECT is refused.
"""
import argparse
import http.client
import http.server
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

LOCK = threading.Lock()
INFLIGHT = [0]  # /slow requests being answered now


def log_line(path, text):
    with LOCK:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text + "\n")
            f.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # close-delimited bodies allowed
    root = "."
    logfile = "/dev/null"

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, data=b"", ctype="application/octet-stream",
             length=True, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data and self.command != "HEAD":
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def handle_any(self):
        req = self.body() if self.command == "POST" else b""
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        ctype = self.headers.get("Content-Type") or "-"
        log_line(self.logfile, "%s %s %s" % (self.command, self.path, ctype))
        parts = path.strip("/").split("/")
        if path == "/ok":
            self.send(200, b"hello kyso\n")
        elif parts[0] == "status" and len(parts) == 2:
            self.send(int(parts[1]), b"status\n", "text/plain")
        elif parts[0] == "big" and len(parts) == 2:
            self.send(200, b"x" * int(parts[1]), length=False)
        elif parts[0] == "big-cl" and len(parts) == 2:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", parts[1])
            self.end_headers()
            try:
                self.wfile.write(b"y" * 16)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif parts[0] == "te-gzip" and len(parts) == 2:
            # Transfer-Encoding: gzip, chunked: a few KB on the wire that
            # decode to int(parts[1]) zero bytes
            import zlib
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            data = z.compress(b"\0" * int(parts[1])) + z.flush()
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Transfer-Encoding", "gzip, chunked")
            self.end_headers()
            try:
                for i in range(0, len(data), 4096):
                    c = data[i:i + 4096]
                    self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif parts[0] == "chunked" and len(parts) == 2:
            # plain chunked: still accepted
            data = b"c" * int(parts[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif parts[0] == "slow" and len(parts) == 2:
            with LOCK:
                INFLIGHT[0] += 1
                now = INFLIGHT[0]
            log_line(self.logfile, "INFLIGHT %d" % now)
            try:
                time.sleep(float(parts[1]))
            finally:
                # out of flight before the answer goes: the client may
                # send its next request as soon as it has read this one
                with LOCK:
                    INFLIGHT[0] -= 1
            self.send(200, b"late\n")
        elif parts[0] == "redirect" and len(parts) == 2:
            to = urllib.parse.parse_qs(url.query).get("to", ["/ok"])[0]
            self.send(int(parts[1]), b"", extra={"Location": to})
        elif path == "/loop":
            self.send(302, b"", extra={"Location": "/loop"})
        elif path == "/echo":
            self.send(200, req, extra={"X-Got-Type": ctype})
        elif path == "/many-headers":
            self.send(200, b"ok\n", extra={"X-Filler-%d" % i: "z" * 1000
                                            for i in range(80)})
        elif path == "/text":
            self.send(200, b"<html>proxy login</html>", "text/html")
        elif parts[0] == "files" and len(parts) == 2 and ".." not in parts[1]:
            name = os.path.join(self.root, "files", parts[1])
            types = {".crl": "application/pkix-crl",
                     ".cer": "application/pkix-cert",
                     ".der": "application/pkix-cert",
                     ".p7c": "application/pkcs7-mime"}
            if not os.path.isfile(name):
                self.send(404, b"no such file\n", "text/plain")
                return
            with open(name, "rb") as f:
                data = f.read()
            self.send(200, data, types.get(os.path.splitext(name)[1],
                                           "application/octet-stream"))
        elif parts[0] in ("tsa", "tsa-type") and self.command == "POST":
            rtype = "application/timestamp-reply"
            if parts[0] == "tsa-type" and len(parts) == 2:
                rtype = urllib.parse.unquote(parts[1])
            with tempfile.NamedTemporaryFile(dir=self.root, suffix=".tsq",
                                             delete=False) as q:
                q.write(req)
            try:
                out = subprocess.run(
                    ["openssl", "ts", "-reply", "-queryfile", q.name,
                     "-config", os.path.join(self.root, "tsa.cnf")],
                    capture_output=True, check=False).stdout
            finally:
                os.unlink(q.name)
            self.send(200 if out else 500, out, rtype)
        else:
            self.send(404, b"not found\n", "text/plain")

    do_GET = handle_any
    do_POST = handle_any


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    logfile = "/dev/null"

    def log_message(self, fmt, *args):
        pass

    def do_CONNECT(self):
        log_line(self.logfile, "PROXY CONNECT %s" % self.path)
        self.send_error(501)

    def forward(self):
        log_line(self.logfile, "PROXY %s %s" % (self.command, self.path))
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            self.send_error(400)
            return
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection",
                                        "host")}
        conn = http.client.HTTPConnection(url.hostname, url.port or 80,
                                          timeout=30)
        try:
            target = url.path or "/"
            if url.query:
                target += "?" + url.query
            conn.request(self.command, target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError:
            self.send_error(502)
            return
        finally:
            conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding",
                                 "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = forward
    do_POST = forward


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["origin", "proxy"])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--root", default=".")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()
    handler = Origin if args.mode == "origin" else Proxy
    handler.logfile = args.log
    handler.root = args.root
    open(args.log, "a").close()
    srv = Server(("127.0.0.1", 0), handler)
    if args.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
