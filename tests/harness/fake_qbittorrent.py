"""A scripted stand-in for qBittorrent's WebAPI, for faults a real one will not produce on
demand (slowness, 5xx, bans). Tests of behaviour use the real qBittorrent; this only injects
faults. Each route answers from `routes[path]`: (status, body) or a callable returning it (given
the request, {"path", "headers", "form"}, when it takes an argument)."""

import inspect
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many processes at once (the scale-out tests): none refused


class FakeQbittorrent:
    version = "fake"
    username = "admin"
    password = "adminadmin"
    qbt_data_dir = "/data"

    def __init__(self):
        self.requests: list[dict] = []
        self.routes: dict[str, object] = {
            "/api/v2/auth/login": (200, "Ok."),
            "/api/v2/app/version": (200, "v5.1.0"),
            "/api/v2/app/webapiVersion": (200, "2.11.4"),
            "/api/v2/app/buildInfo": (200, {"libtorrent": "2.0.11.0"}),
            "/api/v2/app/defaultSavePath": (200, "/data/downloads"),
        }
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                # errors replaced: torrents/add sends a .torrent's bytes (multipart)
                body = self.rfile.read(length).decode(errors="replace") if length else ""
                path = self.path.split("?")[0]
                request = {
                    "path": path,
                    "headers": dict(self.headers),
                    "body": body,
                    "form": {k: v[0] for k, v in parse_qs(body).items()},
                }
                fake.requests.append(request)
                route = fake.routes.get(path, (404, "Not Found"))
                if callable(route):
                    wants_request = bool(inspect.signature(route).parameters)
                    status, payload = route(request) if wants_request else route()
                else:
                    status, payload = route
                if isinstance(payload, bytes):
                    data, kind = payload, "application/x-bittorrent"
                elif isinstance(payload, str):
                    data, kind = payload.encode(), "text/plain"
                else:
                    data, kind = json.dumps(payload).encode(), "application/json"
                self.send_response(status)
                if path.endswith("/auth/login") and status == 200 and payload == "Ok.":
                    self.send_header("Set-Cookie", "SID=fake; HttpOnly; path=/")
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.port = 0
        self.start()

    def start(self):
        """Listens (again, on the same port after `stop`)."""
        self.server = _Server(("127.0.0.1", self.port), self.handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def calls(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def slow(seconds: float, answer):
    def route():
        time.sleep(seconds)
        return answer

    return route
