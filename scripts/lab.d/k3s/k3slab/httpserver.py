"""HTTPS on :6443 with optional client certificates (TLS handshakes off the accept thread)."""
import json
import select
import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler

from . import util


class TLSServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, ctx, app):
        self.ctx = ctx
        self.app = app
        super().__init__(addr, handler)

    def process_request_thread(self, request, client_address):
        try:
            request.settimeout(30)
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.shutdown_request(request)
            return
        try:
            self.finish_request(tls, client_address)
        except Exception:  # noqa: BLE001 - one broken client must not matter
            pass
        finally:
            self.shutdown_request(tls)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = ""
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _dispatch(self):
        body = self._body()
        try:
            cert = self.connection.getpeercert()
        except (AttributeError, ValueError):
            cert = None
        try:
            code, ctype, data, extra = self.server.app.handle(self.command, self.path, self.headers, body, cert)
        except Exception as e:  # noqa: BLE001
            util.error("apiserver: %s %s: %r" % (self.command, self.path, e))
            code, ctype, extra = 500, "application/json", {}
            data = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": "Internal error occurred: %s" % e, "reason": "InternalError",
                               "code": 500})
        if not isinstance(data, (str, bytes)):
            self._stream(code, ctype, data, extra)
            return
        if isinstance(data, str):
            data = data.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _stream(self, code, ctype, chunks, extra):
        """A body produced piece by piece (a watch): chunked transfer encoding, each piece flushed
        as it comes; the connection closes afterwards."""
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True
        try:
            for piece in chunks:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                elif self._client_gone():
                    return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (OSError, ValueError):
            pass
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

    def _client_gone(self):
        """Whether the client closed its end (a watch it no longer wants)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            # Nothing else comes on a watch's connection (it closes after the stream).
            self.connection.settimeout(0.01)
            return self.connection.recv(1) == b""
        except (socket.timeout, ssl.SSLWantReadError):
            return False
        except (OSError, ValueError):
            return True
        finally:
            try:
                self.connection.settimeout(30)
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


def serve(bind, port, certfile, keyfile, client_ca, app):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    srv = TLSServer((bind, port), Handler, ctx, app)
    t = threading.Thread(target=srv.serve_forever, name="apiserver", daemon=True)
    t.start()
    return srv
