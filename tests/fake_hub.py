"""A loopback stand-in for the Hugging Face hub's file endpoint, able to cut a download short.

It answers what `hf_hub_download` asks: `HEAD` (commit, etag, size) and `GET` with or without
`Range`, at `/<repo>/resolve/<revision>/<file>`. With `cut` set, a full `GET` sends half of the
file and drops the connection, and any resumed `GET` is refused: the download fails part-way,
as when a network goes down.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path


class FakeHub:
    def __init__(self, files: dict[str, Path]) -> None:
        self.files = {name: Path(path).read_bytes() for name, path in files.items()}
        self.cut = False
        self.requests: list[tuple[str, str]] = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes | None:
                hub.requests.append((self.command, self.path))
                body = hub.files.get(self.path.rsplit("/", 1)[-1]) if "/resolve/" in self.path else None
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                return body

            def _head(self, body: bytes, status: int = 200, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567")
                self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()}"')
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()

            def do_HEAD(self) -> None:
                body = self._body()
                if body is not None:
                    self._head(body)

            def do_GET(self) -> None:
                body = self._body()
                if body is None:
                    return
                start = int(self.headers.get("Range", "bytes=0-").removeprefix("bytes=").split("-")[0] or 0)
                if hub.cut and start:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._head(body, 206 if start else 200, len(body) - start)
                end = len(body) // 2 if hub.cut else len(body)
                self.wfile.write(body[start:end])
                if hub.cut:
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
