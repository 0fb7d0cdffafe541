"""Careless and hostile clients against a real ``wallboard serve`` process on 127.0.0.1.

Each case was a way to stall, crash or read the service before it was closed: a flood of tiny
events, anonymous bodies, half-sent requests, slow bodies, connection exhaustion, oversized
heads, deeply nested JSON, absurdly old events, formula cells in exports, missing headers,
shutdown with open streams, sessions that did not slide.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server import Server, create_account, token
from wallboard.api.headers import CONTENT_SECURITY_POLICY
from wallboard.store.sqlite import DB_NAME

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    create_account(data, "acme")
    create_account(data, "beta", "UTC")
    tokens = {(a, r): token(data, a, r) for a in ("acme", "beta")
              for r in ("ingest", "view", "admin")}
    server = Server(data, "--head-timeout", "1", "--body-timeout", "1", "--body-min-rate",
                    "1000", "--keepalive-requests", "3").start()
    try:
        yield {"server": server, "tokens": tokens, "data": data}
    finally:
        server.stop()


def now_ms(offset_s: float = 0) -> int:
    return int((time.time() + offset_s) * 1000)


_n = iter(range(10**9))


def event(account: str = "acme", **fields: Any) -> dict[str, Any]:
    return {"id": f"h{next(_n)}", "type": "conversation.started", "account": account,
            "at": now_ms(-30), "conversation": f"c{next(_n)}", "channel": "web", **fields}


def connect(server: Server, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10,
                                    source_address=(source, 0))
    return sock


def read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything until the server closes the connection (or ``timeout``)."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        pass
    return b"".join(chunks)


def read_response(sock: socket.socket, timeout: float = 5) -> bytes:
    """One response with a Content-Length, while the connection stays open."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, data
        body += chunk
    return head + b"\r\n\r\n" + body


def status_and_error(reply: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)["error"]


def rss_mib(server: Server) -> float:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found is not None
    return int(found.group(1)) / 1024


def while_healthz(server: Server, work: Any) -> Any:
    """Run ``work`` in a thread, asking /healthz meanwhile (the service used to stop answering
    for over a minute: a 5 s timeout fails the test); the work's result."""
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(value=work()))
    thread.start()
    with httpx.Client(base_url=server.url, timeout=5) as client:
        while thread.is_alive():
            assert client.get("/healthz").status_code == 200
            time.sleep(0.02)
    thread.join()
    return result["value"]


# -- one request must not freeze every account ---------------------------------------------

@pytest.mark.parametrize(("body", "media"), [
    (b"[" + b",".join([b"{}"] * 3_400_000) + b"]", "application/json"),
    (b"{}\n" * 500_000, "application/x-ndjson"),
    (b"[" + b",".join([b"1"] * 5_000_000) + b"]", "application/json"),
], ids=["3.4 million {}", "500,000 NDJSON lines", "5 million numbers"])
def test_a_flood_of_tiny_events_is_refused_before_any_per_event_work(
        site: dict[str, Any], body: bytes, media: str) -> None:
    server = site["server"]
    before = rss_mib(server)

    def hostile() -> httpx.Response:
        with server.client(site["tokens"]["acme", "ingest"], timeout=60) as client:
            return client.post("/api/v1/events", content=body,
                               headers={"Content-Type": media})

    for _ in range(3):
        reply = while_healthz(server, hostile)
        assert reply.status_code == 413
        assert reply.json()["error"] == {"code": "too_many_events", "field": "body",
                                         "message": "more than 10000 events in one request"}
    # Memory of the refused requests is given back (it grew by gigabytes when each element
    # got its own rejection); a body or two may stay in the allocator's free lists.
    assert rss_mib(server) - before < 100
    # The other tenant was served throughout.
    with server.client(site["tokens"]["beta", "ingest"]) as client:
        assert client.post("/api/v1/events", json=[event("beta")]).json()["accepted"] == 1


def test_an_anonymous_body_is_refused_before_it_is_read(site: dict[str, Any]) -> None:
    server = site["server"]
    for authorization, status in (("", 401), ("Authorization: Bearer wb_x_y\r\n", 401),
                                  (f"Authorization: Bearer {site['tokens']['acme', 'view']}"
                                   "\r\n", 403)):
        with connect(server) as sock:
            sock.sendall(f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n{authorization}"
                         "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
                         .encode())
            reply = read_response(sock)  # no body sent: the answer comes from the head alone
        assert status_and_error(reply)[0] == status
    with connect(server) as sock:  # nor is the content type's judged from the body
        sock.sendall(f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     f"{site['tokens']['acme', 'ingest']}\r\nContent-Type: text/plain\r\n"
                     "Content-Length: 10000000\r\n\r\n".encode())
        assert status_and_error(read_response(sock)) == (415, {
            "code": "unsupported_media_type", "field": "Content-Type",
            "message": "send application/json (an array) or application/x-ndjson"})


# -- slow clients and connection exhaustion -------------------------------------------------

@pytest.mark.parametrize("sent", [b"", b"GET /healthz HTTP/1.1\r\n", b"GET /hea",
                                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1"])
def test_a_request_head_that_does_not_arrive_is_dropped(site: dict[str, Any],
                                                        sent: bytes) -> None:
    with connect(site["server"]) as sock:
        sock.sendall(sent)
        started = time.monotonic()
        reply = read_all(sock)
    assert time.monotonic() - started < 5  # --head-timeout 1; it used to wait for ever
    assert status_and_error(reply)[0] == 408


def test_a_body_that_trickles_is_dropped(site: dict[str, Any]) -> None:
    with connect(site["server"]) as sock:
        sock.sendall(f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     f"{site['tokens']['acme', 'ingest']}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100000\r\n\r\n[".encode())
        started = time.monotonic()
        sock.settimeout(0.2)
        reply = b""
        while time.monotonic() - started < 8:
            try:
                sock.sendall(b" ")  # 5 bytes a second against a minimum of 1000
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            reply += chunk
    assert status_and_error(reply)[0] == 408


def test_blank_lines_after_a_response_do_not_hold_a_connection(site: dict[str, Any]) -> None:
    with connect(site["server"]) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        sock.sendall(b"\r\n")  # skipped by the parser: no request begins
        reply = read_all(sock)
    assert time.monotonic() - started < 5  # --head-timeout 1; it used to be held for ever
    assert status_and_error(reply)[0] == 408


def test_a_get_whose_declared_body_trickles_is_dropped(site: dict[str, Any]) -> None:
    with connect(site["server"]) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        started, closed = time.monotonic(), False
        sock.settimeout(0.2)
        while time.monotonic() - started < 10 and not closed:
            try:
                sock.sendall(b"x")  # a byte at a time, each once resetting the idle timer
                closed = sock.recv(65536) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
    assert closed and time.monotonic() - started < 8


def test_one_endless_header_is_cut_off(site: dict[str, Any]) -> None:
    with connect(site["server"]) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        reply = b""
        try:
            for _ in range(64):  # 4 MiB in pieces, never ending the header
                sock.sendall(b"a" * 65536)
        except OSError:
            pass  # closed on us: what we wanted
        reply = read_all(sock, 5)
    assert status_and_error(reply)[0] == 431


def test_an_upgrade_request_is_served_as_plain_http(site: dict[str, Any]) -> None:
    with connect(site["server"]) as sock:  # what `curl --http2 http://...` sends
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings"
                     b"\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(("head", "status"), [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101))
     + b"\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
    (b"GET /healthz?" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
])
def test_oversized_and_malformed_heads(site: dict[str, Any], head: bytes, status: int) -> None:
    with connect(site["server"]) as sock:
        sock.sendall(head)
        got, error = status_and_error(read_all(sock))
    assert got == status and error["message"]


def test_a_connection_carries_a_bounded_number_of_requests(site: dict[str, Any]) -> None:
    with httpx.Client(base_url=site["server"].url) as client:
        replies = [client.get("/healthz") for _ in range(3)]  # --keepalive-requests 3
    assert [r.headers.get("connection") for r in replies] == [None, None, "close"]


def test_connections_are_capped_and_the_cap_is_logged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    server = Server(data, "--max-connections", "20", "--max-client-connections", "8",
                    "--head-timeout", "2").start()
    try:
        held = [connect(server) for _ in range(8)]
        # One address may hold 8: the ninth from 127.0.0.1 is refused at once...
        with connect(server) as ninth:
            assert status_and_error(read_all(ninth, 5))[0] == 503
        # ... while others may still connect, up to 20 in all.
        held += [connect(server, f"127.0.0.{2 + i // 8}") for i in range(12)]
        with connect(server, "127.0.0.9") as extra:  # over the cap of 20
            status, error = status_and_error(read_all(extra, 5))
        assert (status, error["code"]) == (503, "busy")
        for sock in held:  # idle connections are let go after --head-timeout
            assert status_and_error(read_all(sock, 10))[0] == 408
            sock.close()
        with server.client() as client:
            assert client.get("/healthz").status_code == 200
            metrics = client.get("/metrics").text
        assert 'wallboard_connections_refused_total{reason="connections"} 1.0' in metrics
        assert 'wallboard_connections_refused_total{reason="client_connections"} 1.0' in metrics
        assert 'wallboard_connections_refused_total{reason="timeout"} 20.0' in metrics
        assert "wallboard_connections_open 1.0" in metrics
    finally:
        server.stop()
    log = server.log.read_text()
    assert "connection limit reached: 20 open (--max-connections 20)" in log
    assert "accepting connections again" in log
    assert "holds 8 connections (--max-client-connections)" in log


# -- hostile JSON ---------------------------------------------------------------------------

def test_deeply_nested_json_is_a_400_on_every_json_route(site: dict[str, Any]) -> None:
    server, tokens = site["server"], site["tokens"]
    admin = {"Authorization": f"Bearer {tokens['acme', 'admin']}",
             "Content-Type": "application/json"}
    with server.client() as client:
        for method, path, headers in (
                ("POST", "/api/v1/session", {"Content-Type": "application/json"}),
                ("POST", "/api/v1/accounts/acme/tokens", admin),
                ("PUT", "/api/v1/accounts/acme/thresholds", admin)):
            for body in (DEEP[:30_000] + DEEP[-30_000:], b'{"token": ' + DEEP[:30_000]
                         + DEEP[-30_000:] + b"}"):
                reply = client.request(method, path, content=body, headers=headers)
                assert reply.status_code == 400, (path, reply.text)
                assert reply.json()["error"]["code"] == "too_deep"
        # Unauthenticated, the body is not even read.
        assert client.put("/api/v1/accounts/acme/thresholds", content=DEEP[:60_000],
                          headers={"Content-Type": "application/json"}).status_code == 401
        for path in ("/static/%00", "/static/..%2f..%2fpyproject.toml", "/static/%2e%2e/x",
                     "/static/%2e%2e/%2e%2e/index.html"):
            reply = client.get(path)
            assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
            assert str(Path(__file__).parent.parent) not in reply.text
    # Sent as it is (an HTTP client would have resolved the dots before sending).
    with connect(server) as sock:
        sock.sendall(b"GET /static/assets/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")
        status, error = status_and_error(read_response(sock))
    assert (status, error["code"]) == (404, "not_found") and "root:" not in error["message"]
    with server.client(tokens["acme", "ingest"]) as client:
        good = [event(), event()]
        deep = json.dumps(event()).encode()[:-1] + b', "extra": ' + DEEP + b"}"
        body = b"[" + json.dumps(good[0]).encode() + b"," + deep + b"," + \
            json.dumps(good[1]).encode() + b"]"
        reply = client.post("/api/v1/events", content=body,
                            headers={"Content-Type": "application/json"}).json()
        assert (reply["accepted"], reply["rejected"]) == (2, 1)
        assert reply["problems"][0]["index"] == 1
        assert "nested deeper than 64 levels" in reply["problems"][0]["message"]
    assert "Traceback" not in server.log.read_text()


def test_an_event_older_than_the_days_counted_is_rejected(site: dict[str, Any]) -> None:
    with site["server"].client(site["tokens"]["acme", "ingest"]) as client:
        reply = client.post("/api/v1/events", json=[
            event(at=0), event(at="1990-01-01T00:00:00Z"), event(at=now_ms(-10 * 86400)),
            event(at=now_ms(-2 * 86400))]).json()
    assert reply["accepted"] == 1
    assert [(p["index"], p["field"]) for p in reply["problems"]] == [(0, "at"), (1, "at"),
                                                                     (2, "at")]
    with site["server"].client(site["tokens"]["acme", "view"]) as client:
        longest = client.get("/api/v1/accounts/acme/snapshot").json()["total"]["longest_wait_s"]
    assert longest < 3 * 86400  # not 56 years


def test_csv_cells_are_never_spreadsheet_formulas(site: dict[str, Any]) -> None:
    tokens = site["tokens"]
    with site["server"].client(tokens["acme", "ingest"]) as client:
        client.post("/api/v1/events", json=[
            {"id": "f1", "type": "channel.updated", "account": "acme", "at": now_ms(-60),
             "channel": "=cmd", "kind": "web_chat", "name": '=HYPERLINK("http://x","y")'},
            {"id": "f2", "type": "group.updated", "account": "acme", "at": now_ms(-60),
             "group": "@sum", "name": "+1-2"},
            event(channel="=cmd", group="@sum")]).raise_for_status()
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 3600))  # Moscow
    with site["server"].client(tokens["acme", "view"]) as client:
        history = client.get("/api/v1/accounts/acme/history",
                             params={"from": today, "to": today, "format": "csv"}).text
        series = client.get("/api/v1/accounts/acme/series",
                            params={"group": "@sum", "format": "csv"}).text
    assert ",'=cmd,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"," in history
    assert ",'@sum,'+1-2," in history and ",'@sum,'+1-2," in series
    cells = [c for line in (history + series).splitlines() for c in line.split(",")]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]


# -- what a browser is told, and what the disk shows ----------------------------------------

def test_pages_and_replies_carry_protective_headers(site: dict[str, Any]) -> None:
    server, tokens = site["server"], site["tokens"]
    with server.client() as client:
        for path in ("/signin", "/", "/healthz", "/nowhere", "/static/nowhere.js"):
            headers = client.get(path).headers
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["x-frame-options"] == "DENY", path
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert client.get("/signin").headers["cache-control"] == "no-store"
        signed = client.post("/api/v1/session", json={"token": tokens["acme", "view"]})
        assert signed.headers["cache-control"] == "no-store"
        assert client.get("/api/v1/accounts/acme/snapshot").headers["cache-control"] == \
            "no-store"
        missing = client.get("/static/assets/nothing-here.js")
        assert missing.status_code == 404 and "/" not in missing.json()["error"]["message"]
    with server.client(tokens["acme", "admin"]) as admin:
        created = admin.post("/api/v1/accounts/acme/tokens", json={"role": "view"})
        assert created.headers["cache-control"] == "no-store"
    data = site["data"]
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


def test_an_older_database_readable_by_others_is_made_the_owners(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    (data / DB_NAME).chmod(0o644)  # as release 0.1 left it
    server = Server(data).start()
    server.stop()
    assert stat.S_IMODE((data / DB_NAME).stat().st_mode) == 0o600


# -- shutdown and sessions ------------------------------------------------------------------

def test_sigterm_with_hundreds_of_open_streams_exits_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    view = token(data, "acme", "view")
    server = Server(data).start()
    streams: list[socket.socket] = []
    try:
        for i in range(300):
            sock = connect(server, f"127.0.0.{1 + i // 200}")  # 256 at most from one address
            streams.append(sock)
            sock.sendall(f"GET /api/v1/accounts/acme/stream HTTP/1.1\r\nHost: x\r\n"
                         f"Authorization: Bearer {view}\r\n\r\n".encode())
        for sock in streams:  # each has its first snapshot
            sock.settimeout(10)
            seen = b""
            while b"event: snapshot" not in seen:
                chunk = sock.recv(65536)
                assert chunk, seen
                seen += chunk
        assert server.process is not None
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        # uvicorn ends by raising the signal again once it has shut down: "killed by SIGTERM".
        assert server.process.wait(20) in (0, -signal.SIGTERM)
        took = time.monotonic() - started
        ends = [read_all(sock, 5) for sock in streams]
    finally:
        for sock in streams:
            sock.close()
        server.stop()  # whatever failed above, no process is left behind
    assert took < 4  # the graceful wait used to run out (5 s) and cancel every stream
    assert all(end.endswith(b"0\r\n\r\n") for end in ends)  # each stream ended properly
    log = server.log.read_text()
    assert "Traceback" not in log and "Cancel" not in log


def test_a_session_slides_whatever_its_length(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    view = token(data, "acme", "view")
    server = Server(data, "--session-hours", "0.001").start()  # 3.6 s unused
    try:
        with server.client() as browser:
            assert browser.post("/api/v1/session", json={"token": view}).status_code == 201
            for _ in range(9):  # 9 s of use, well past 3.6 s after signing in
                time.sleep(1)
                assert browser.get("/api/v1/session").status_code == 200
            time.sleep(4.5)
            assert browser.get("/api/v1/session").status_code == 401
    finally:
        server.stop()
    bad = Server(data, "--session-hours", "0")
    bad.spawn()
    assert bad.process is not None and bad.process.wait(20) == 2
