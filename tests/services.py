"""Real service processes for the end-to-end tests: ``redis-server`` and ``scrapyd``.

Each fixture starts its own process on a free 127.0.0.1 port with every file in a temporary
directory, waits until it answers, and stops it at the end, so a test never depends on (or
disturbs) a service someone left running, and two test runs on one machine do not collide.
The binaries come from the machine (`redis-server` from Debian, `scrapyd` from pip): a missing one
fails the test with the install line, it is not skipped, because CI installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def _wait_until(check, what: str, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if check():
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    tail = log.read_text("utf-8", "replace")[-3000:] if log.exists() else ""
    _stop(proc)
    pytest.fail(f"{what} did not come up (exit code {proc.poll()}):\n{tail}")


# --- redis ---------------------------------------------------------------------------------------
class RedisService:
    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server not found: apt-get install redis-server (listed in .ci/run)")
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = workdir / "redis.log"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(workdir),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        _wait_until(self.ping, "redis-server", self.proc, self.log)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def flush(self) -> None:
        self.client().flushall()

    def stop(self) -> None:
        _stop(self.proc)


@pytest.fixture(scope="session")
def redis_service(tmp_path_factory):
    """A real redis-server for the session (tests flush it with ``redis_service.flush()``)."""
    service = RedisService(tmp_path_factory.mktemp("redis"))
    yield service
    service.stop()


@pytest.fixture
def redis_url(redis_service) -> str:
    """The session's Redis, emptied for this test."""
    redis_service.flush()
    return redis_service.url


# --- scrapyd -------------------------------------------------------------------------------------
_SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {dir}/eggs
logs_dir = {dir}/logs
items_dir =
dbs_dir = {dir}/dbs
jobs_to_keep = 5
poll_interval = 0.5
max_proc = 2
"""


class ScrapydService:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (workdir / "scrapyd.conf").write_text(_SCRAPYD_CONF.format(port=self.port, dir=workdir), "utf-8")
        self.log = workdir / "scrapyd.out"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
        # cwd is the temp dir: scrapyd reads ./scrapyd.conf there, and the job runner then finds the
        # project only in the deployed egg, not in the repository.
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        _wait_until(lambda: self.get("daemonstatus.json")["status"] == "ok", "scrapyd", self.proc, self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def get(self, endpoint: str, **params) -> dict:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        with urllib.request.urlopen(self.url + endpoint + query, timeout=30) as resp:
            return json.loads(resp.read())

    def post(self, endpoint: str, fields: list[tuple[str, str]], files: dict[str, bytes] | None = None) -> dict:
        """POST form fields (repeatable names, e.g. several ``setting``) and optional files."""
        boundary = "----finews-test-boundary"
        parts = []
        for name, value in fields:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, data in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.egg"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        req = urllib.request.Request(
            self.url + endpoint, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return {"status": "error", "http": exc.code, "message": exc.read().decode("utf-8", "replace")}

    def stop(self) -> None:
        _stop(self.proc)


@pytest.fixture
def scrapyd_service(tmp_path):
    service = ScrapydService(tmp_path / "scrapyd")
    yield service
    service.stop()
