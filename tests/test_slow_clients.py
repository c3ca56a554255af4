"""Issue 14, finding 5: slow clients must not stall the site. Run as production
runs it (docs/deployment.md): gunicorn with 2 sync workers on loopback, behind
nginx with the configuration in docs/nginx/wardsite.conf, that very file with
only the ports, the server name and the certificate changed. Against it, the
finding's loads: 2 connections trickling a login form a few bytes at a time
while 16 ordinary requests are made, and 200 connections sending their headers
a line a second while 8 are made (and both at once); every ordinary request is
answered 200 within PROBE_TIMEOUT.

Straight against gunicorn, without nginx, the same loads leave most ordinary
requests unanswered (each sync worker waits on one slow client):
benchmarks/slow_clients.py measures both ways, figures in benchmarks/README.md.
Everything is on 127.0.0.1 with free ports, bounded in time; without nginx
installed (Debian package nginx-light) the tests are skipped.
"""

from __future__ import annotations

import functools
import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_crash_safety import Server, free_port

ROOT = Path(__file__).resolve().parent.parent
SITE_CONFIG = ROOT / "docs" / "nginx" / "wardsite.conf"
NGINX = Path("/usr/sbin/nginx")
SERVER_NAME = "wardsite.test"
PROBE_TIMEOUT = 5  # seconds each ordinary request may take (behind nginx it takes milliseconds)
LOAD_BEFORE_PROBES = 3  # seconds the slow clients have been at it when the probes start


@dataclass(frozen=True)
class Load:
    name: str
    slow_headers: int  # connections sending their headers a line a second, never finishing
    trickling_bodies: int  # connections sending a login form of 100,000 bytes, 4 bytes every half second
    probes: int  # ordinary requests made one after the other meanwhile


# Issue 14, finding 5: "2 trickling connections timed out 5 of 16 probes.
# 200 slow-header connections: 0 of 8 probes answered in 40 s."
LOADS = [
    Load("2 trickling bodies", slow_headers=0, trickling_bodies=2, probes=16),
    Load("200 slow headers", slow_headers=200, trickling_bodies=0, probes=8),
    Load("both at once", slow_headers=200, trickling_bodies=2, probes=8),
]


# nginx with the documented configuration --------------------------------------------


def render_site_config(*, http_port: int, https_port: int, upstream_port: int, certificate: Path, key: Path) -> str:
    """docs/nginx/wardsite.conf with this test's ports, name and certificate.
    Every value replaced must be found, so the test follows the file."""
    text = SITE_CONFIG.read_text()
    replacements = {
        "/etc/letsencrypt/live/phuong.example.gov.vn/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/phuong.example.gov.vn/privkey.pem": str(key),
        "phuong.example.gov.vn": SERVER_NAME,
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
    }
    for old, new in replacements.items():
        assert old in text, f"{SITE_CONFIG.name} no longer holds {old!r}: update this test"
        text = text.replace(old, new)
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.M)  # loopback only, IPv4
    text, found = re.subn(r"listen (80|443)\b", lambda m: f"listen 127.0.0.1:{http_port if m[1] == '80' else https_port}", text)
    assert found >= 3, "the configuration should listen on 80 and 443"
    return text


def main_config(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives, with every path in `folder`."""
    temp_paths = "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        ("user root;\n" if os.geteuid() == 0 else "")  # the workers must reach the test's temporary folder
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        + "events { worker_connections 1024; }\n"
        + f"http {{\n    access_log off;\n{temp_paths}    include {site};\n}}\n"
    )


class Nginx:
    def __init__(self, folder: Path, upstream_port: int):
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()
        certificate, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-days", "1", "-subj", f"/CN={SERVER_NAME}", "-addext", f"subjectAltName=DNS:{SERVER_NAME}",
             "-keyout", str(key), "-out", str(certificate)],
            check=True, capture_output=True, timeout=30,
        )
        site = folder / "wardsite.conf"
        site.write_text(render_site_config(
            http_port=self.http_port, https_port=self.https_port, upstream_port=upstream_port, certificate=certificate, key=key,
        ))
        self.config = folder / "nginx.conf"
        self.config.write_text(main_config(folder, site))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [str(NGINX), "-p", str(self.folder), "-c", str(self.config), "-e", str(self.folder / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen([*command, "-g", "daemon off;"], start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("nginx did not listen within 10 s:\n" + (self.folder / "error.log").read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # fast shutdown: the slow clients are dropped
            self.process.wait(timeout=10)


# Clients ------------------------------------------------------------------------------


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One context for every connection (making one reads the system's certificates)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own certificate
    return context


def connect(port: int, tls: bool, timeout: float) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        sock = tls_context().wrap_socket(sock, server_hostname=SERVER_NAME)  # SNI: the documented server
    return sock


class SlowClients:
    """Slowloris: headers a line a second, never finished; and login forms whose
    body comes a few bytes every half second."""

    def __init__(self, port: int, tls: bool, load: Load):
        self.port, self.tls, self.load = port, tls, load
        self.header_sockets: list[socket.socket] = []
        self.body_sockets: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def start(self) -> None:
        for _ in range(self.load.trickling_bodies):
            sock = connect(self.port, self.tls, timeout=5)
            sock.sendall(
                f"POST /dang-nhap HTTP/1.1\r\nHost: {SERVER_NAME}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 100000\r\n\r\nlogin=".encode()
            )
            self.body_sockets.append(sock)
        for number in range(self.load.slow_headers):
            try:
                sock = connect(self.port, self.tls, timeout=5)
                sock.sendall(f"GET /?slow={number} HTTP/1.1\r\nHost: {SERVER_NAME}\r\n".encode())
            except OSError:  # without nginx, gunicorn's backlog may be full: that is the point
                continue
            self.header_sockets.append(sock)
        self.thread.start()

    def _trickle(self) -> None:
        tick = 0
        while not self.stopping.wait(0.5):
            tick += 1
            for sock in self.body_sockets:
                self._send(sock, b"0987")
            if tick % 2 == 0:
                for sock in self.header_sockets:
                    self._send(sock, f"X-Slow-{tick}: a\r\n".encode())

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> None:
        try:
            sock.send(data)
        except OSError:
            pass  # dropped by the server: fine, it is the server's choice

    def still_open(self) -> int:
        """How many slow connections the server still holds open."""
        count = 0
        for sock in self.header_sockets + self.body_sockets:
            try:
                sock.setblocking(False)
                sock.recv(1)  # an answer (408) or the end: dropped
            except ssl.SSLWantReadError:  # nothing to read: still held open
                count += 1
            except BlockingIOError:
                count += 1
            except OSError:
                pass
        return count

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        for sock in self.header_sockets + self.body_sockets:
            try:
                sock.close()
            except OSError:
                pass


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer within the timeout
    seconds: float


def probe(port: int, tls: bool, timeout: float = PROBE_TIMEOUT, headers: dict | None = None) -> Answer:
    """One ordinary request and how long its answer took."""
    started = time.monotonic()
    try:
        sock = connect(port, tls, timeout=timeout)
        connection = http.client.HTTPConnection(SERVER_NAME, timeout=timeout)
        connection.sock = sock
        connection.request("GET", "/healthz", headers={"Host": SERVER_NAME, "Connection": "close", **(headers or {})})
        response = connection.getresponse()
        response.read()
        connection.close()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = None
    return Answer(status, time.monotonic() - started)


def probes_under_load(port: int, tls: bool, load: Load, timeout: float = PROBE_TIMEOUT) -> tuple[list[Answer], int]:
    """The answers to the load's ordinary requests, made one after the other
    while its slow clients are at it, and how many slow connections the server
    still held open after the last one."""
    slow = SlowClients(port, tls, load)
    try:
        slow.start()
        time.sleep(LOAD_BEFORE_PROBES)
        answers = [probe(port, tls, timeout) for _ in range(load.probes)]
        return answers, slow.still_open()
    finally:
        slow.stop()


# The tests ---------------------------------------------------------------------------


pytestmark = pytest.mark.skipif(not NGINX.exists(), reason=(
    f"nginx not found at {NGINX}: install the Debian package 'nginx-light' (scripts/require-system-packages.sh does)"))


def gunicorn_settings() -> dict:
    """What the README exports, for this test's name."""
    return {"WARDSITE_TRUSTED_HOSTS": f"{SERVER_NAME},127.0.0.1", "WARDSITE_CANONICAL_URL": f"https://{SERVER_NAME}"}


@pytest.fixture
def gunicorn(app, database_uri, tmp_path):
    """The site under gunicorn as the README runs it: 2 sync workers on loopback."""
    server = Server(database_uri, tmp_path)
    server.env.update(gunicorn_settings())
    server.start()
    yield server
    server.kill()


@pytest.fixture
def nginx(gunicorn, tmp_path):
    """nginx with docs/nginx/wardsite.conf in front of it."""
    folder = tmp_path / "nginx"
    folder.mkdir()
    server = Nginx(folder, gunicorn.port)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("load", LOADS, ids=[load.name for load in LOADS])
def test_slow_clients_do_not_stall_the_site_behind_the_documented_nginx(nginx, load):
    assert probe(nginx.https_port, tls=True).status == 200  # the way through works before the load
    answers, still_open = probes_under_load(nginx.https_port, tls=True, load=load)
    summary = ", ".join(f"{answer.status} in {answer.seconds:.2f} s" for answer in answers)
    assert [answer.status for answer in answers] == [200] * load.probes, summary
    assert all(answer.seconds < PROBE_TIMEOUT for answer in answers), summary
    # The load was real: nginx was holding the slow connections while it answered.
    assert still_open >= (load.slow_headers + load.trickling_bodies) * 0.9


def test_the_proxy_sets_the_forwarded_headers_itself(nginx, gunicorn):
    """WARDSITE_PROXY_COUNT=1 trusts one proxy's X-Forwarded-*: nginx must
    replace what a client sends. A forged X-Forwarded-Host would get 400 from
    TRUSTED_HOSTS if it reached the site (checked straight against gunicorn)."""
    forged = {"X-Forwarded-Host": "phish.invalid", "X-Forwarded-For": "203.0.113.9"}
    assert probe(gunicorn.port, tls=False, headers=forged).status == 400
    assert probe(nginx.https_port, tls=True, headers=forged).status == 200


def test_plain_http_is_sent_to_https(nginx):
    connection = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=5)
    connection.request("GET", "/thu-tuc/?q=1", headers={"Host": SERVER_NAME})
    response = connection.getresponse()
    assert (response.status, response.getheader("Location")) == (301, f"https://{SERVER_NAME}/thu-tuc/?q=1")
    connection.close()
    # A name that is not the site's gets no answer at all, in plain HTTP or HTTPS.
    connection = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=5)
    connection.request("GET", "/", headers={"Host": "phish.invalid"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()
    connection.close()
    with pytest.raises(ssl.SSLError):
        tls_context().wrap_socket(socket.create_connection(("127.0.0.1", nginx.https_port), timeout=5),
                                  server_hostname="phish.invalid").close()
