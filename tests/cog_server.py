"""Run the real Cog HTTP server (coglet) on loopback around a predictor (`predict.py` by default), as
Replicate would.

The server is started in a scratch folder that holds a link to the predictor's file and the
`.cog/openapi_schema.json` that `cog build` would have written, so nothing lands in the tree.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cog_schema import build_openapi_schema
from ddcolor.images import Photo, decode_image

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def data_url(data: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def output_image(reply: Response) -> tuple[str, Photo]:
    """A prediction's result: its MIME type and the decoded photo (the prediction must have succeeded)."""
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "succeeded", reply.body.get("error")
    mime, data = decode_data_url(reply.body["output"])
    return mime, decode_image(data)


def decode_data_url(url: str) -> tuple[str, bytes]:
    header, payload = url.split(",", 1)
    return header.removeprefix("data:").split(";")[0], base64.b64decode(payload)


@dataclass
class Response:
    status: int
    body: Any


class CogServer:
    def __init__(self, workdir: Path, weights_dir: Path, module: str = "predict", predictor: str = "Predictor") -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / ".cog").mkdir(parents=True, exist_ok=True)
        (workdir / ".cog" / "openapi_schema.json").write_text(json.dumps(build_openapi_schema(module, predictor)))
        (workdir / f"{module}.py").symlink_to(ROOT / f"{module}.py")
        venv_bin = str(Path(sys.executable).parent)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COG_", "PYTEST"))}
        env.update(
            PATH=venv_bin + os.pathsep + env.get("PATH", ""),  # the worker runs the bare `python`
            PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH")))),
            PORT=str(self.port),
            COG_PREDICT_TYPE_STUB=f"{module}.py:{predictor}",
            LOG_FORMAT="console",
            DDCOLOR_WEIGHTS_DIR=str(weights_dir),
            HF_HUB_OFFLINE="1",
            TMPDIR=str(workdir / "tmp"),
        )
        (workdir / "tmp").mkdir(exist_ok=True)
        self.log_path = workdir / "server.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cog.server.http", "--host", "127.0.0.1"],
            cwd=workdir,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def request(self, method: str, path: str, body: Any = None, headers: dict | None = None, timeout=120) -> Response:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                raw, status = reply.read(), reply.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return Response(status, json.loads(raw) if raw else None)
        except json.JSONDecodeError:
            return Response(status, raw.decode(errors="replace"))

    def health(self) -> dict:
        return self.request("GET", "/health-check", timeout=10).body

    def wait_for(self, states: tuple[str, ...], timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Cog server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                health = self.health()
                if health.get("status") in states:
                    return health
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"server not in {states} after {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def predict(self, inputs: dict, headers: dict | None = None, body: dict | None = None) -> Response:
        """POST /predictions, retrying briefly on 409 (one prediction at a time)."""
        deadline = time.monotonic() + 30
        while True:
            reply = self.request("POST", "/predictions", {"input": inputs, **(body or {})}, headers)
            if reply.status != 409 or time.monotonic() > deadline:
                return reply
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.request("POST", "/shutdown", timeout=10)
                self.process.wait(timeout=20)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=20)
