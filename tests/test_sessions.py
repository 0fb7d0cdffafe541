"""Browser sessions: sign-in with a token or a one-time link, cookies, roles, expiry."""

from __future__ import annotations

import time
from pathlib import Path

from server import Server, cli, create_account, token


def test_sign_in_sessions_and_one_time_links(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", "Europe/Moscow")
    create_account(data, "other", "Europe/Moscow")
    ingest, view, admin = (token(data, "acme", r) for r in ("ingest", "view", "admin"))
    server = Server(data, "--session-hours", "0.0005").start()  # 1.8 s unused
    try:
        with server.client() as anonymous:
            page = anonymous.get("/?view=tv")
            assert page.status_code == 303
            assert page.headers["location"] == "/signin?next=%2F%3Fview%3Dtv"
            assert anonymous.get("/signin").headers["content-type"].startswith("text/html")
            assert anonymous.get("/api/v1/accounts/acme/snapshot").status_code == 401
            assert anonymous.get("/api/v1/session").status_code == 401
            for body, status, field in (({"token": ingest}, 403, "token"),
                                        ({"token": "wb_nope_nope"}, 401, "token"),
                                        ({}, 400, "token"),
                                        ({"token": view, "code": "x"}, 400, "token"),
                                        ({"code": "never-issued"}, 401, "code")):
                reply = anonymous.post("/api/v1/session", json=body)
                assert (reply.status_code, reply.json()["error"]["field"]) == (status, field)

        with server.client() as browser:
            forged = browser.post("/api/v1/session", json={"token": view},
                                  headers={"Origin": "https://evil.example"})
            assert forged.status_code == 403 and "set-cookie" not in forged.headers
            signed = browser.post("/api/v1/session", json={"token": view})
            assert signed.status_code == 201
            cookie = signed.headers["set-cookie"]
            assert "HttpOnly" in cookie and "Path=/" in cookie
            assert "samesite=strict" in cookie.lower()
            assert view not in cookie
            assert signed.json()["role"] == "view" and signed.json()["timezone"] == \
                "Europe/Moscow"
            assert browser.get("/").status_code == 200
            assert browser.get("/api/v1/accounts/acme/snapshot").status_code == 200
            assert browser.get("/api/v1/accounts/other/snapshot").status_code == 403
            assert browser.get("/api/v1/accounts/acme/thresholds").json()["avg_wait_s"] == \
                {"amber": 60, "red": 180}
            assert browser.put("/api/v1/accounts/acme/thresholds", json={}).status_code == 403
            assert browser.delete("/api/v1/session").status_code == 204
            assert browser.get("/api/v1/accounts/acme/snapshot").status_code == 401

        # An admin session may change the thresholds, but not from another site.
        with server.client() as browser:
            browser.post("/api/v1/session", json={"token": admin})
            changed = {"avg_wait_s": {"amber": 30, "red": 90}, "in_queue": {"amber": 2,
                                                                          "red": 4}}
            foreign = browser.put("/api/v1/accounts/acme/thresholds", json=changed,
                                  headers={"Origin": "https://evil.example"})
            assert foreign.status_code == 403 and foreign.json()["error"]["field"] == "Origin"
            bad = browser.put("/api/v1/accounts/acme/thresholds",
                              json={"avg_wait_s": {"amber": 100, "red": 50}})
            assert (bad.status_code, bad.json()["error"]["field"]) == (400, "avg_wait_s")
            ok = browser.put("/api/v1/accounts/acme/thresholds", json=changed,
                             headers={"Origin": server.url})
            assert ok.status_code == 200
            saved = browser.get("/api/v1/accounts/acme/thresholds").json()
            assert saved["avg_wait_s"] == {"amber": 30, "red": 90}
            assert saved["sl_percent"] == {"amber": 80, "red": 60}  # the default stays

            # Unused for longer than --session-hours, the session is gone.
            time.sleep(2.2)
            assert browser.get("/api/v1/accounts/acme/snapshot").status_code == 401

        # A one-time link: works once.
        link = cli(data, "signin-link", "acme", "--role", "admin", "--url", server.url).strip()
        assert link.startswith(f"{server.url}/signin#code=")
        code = link.split("#code=", 1)[1]
        with server.client() as browser:
            assert browser.post("/api/v1/session", json={"code": code}).json()["role"] == "admin"
            assert browser.get("/api/v1/accounts/acme/tokens").status_code == 200
        with server.client() as browser:
            again = browser.post("/api/v1/session", json={"code": code})
            assert again.status_code == 401 and "already used" in again.json()["error"]["message"]

        # A link's session has a token of its own: revoking it ends the session.
        link = cli(data, "signin-link", "acme", "--url", server.url).strip()
        with server.client() as browser:
            signed = browser.post("/api/v1/session", json={"code": link.split("#code=")[1]})
            assert signed.status_code == 201
            assert browser.get("/api/v1/accounts/acme/snapshot").status_code == 200
            with server.client(admin) as api:
                made = [t for t in api.get("/api/v1/accounts/acme/tokens").json()
                        if t["revoked_at"] is None and t["role"] == "view"
                        and t["id"] != view.split("_")[1]]
                assert len(made) == 1  # the link's own token
                api.delete(f"/api/v1/accounts/acme/tokens/{made[0]['id']}")
            assert browser.get("/api/v1/accounts/acme/snapshot").status_code == 401

        # Revoking the token ends the sessions opened with it.
        with server.client() as browser:
            assert browser.post("/api/v1/session", json={"token": view}).status_code == 201
            token_id = view.split("_")[1]
            with server.client(admin) as api:
                assert api.delete(f"/api/v1/accounts/acme/tokens/{token_id}").status_code == 204
            assert browser.get("/api/v1/accounts/acme/snapshot").status_code == 401
        assert ingest  # the ingest token was only refused above
    finally:
        server.stop()
    assert "code=" not in server.log.read_text()  # the code never reached the server's log


def test_an_open_stream_ends_when_its_token_is_revoked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", "Europe/Moscow")
    ingest, view, admin = (token(data, "acme", r) for r in ("ingest", "view", "admin"))
    server = Server(data).start()
    try:
        with server.client() as browser:
            assert browser.post("/api/v1/session", json={"token": view}).status_code == 201
            with browser.stream("GET", "/api/v1/accounts/acme/stream") as stream:
                lines = stream.iter_lines()
                assert next(lines) == "event: snapshot"
                with server.client(admin) as api:
                    assert api.delete(
                        f"/api/v1/accounts/acme/tokens/{view.split('_')[1]}").status_code == 204
                time.sleep(5.5)  # the stream asks again at most every 5 s
                with server.client(ingest) as api:  # something to push
                    api.post("/api/v1/events", json=[{
                        "id": "e1", "type": "conversation.started", "account": "acme",
                        "at": int(time.time() * 1000), "conversation": "c1",
                        "channel": "web"}]).raise_for_status()
                started = time.monotonic()
                rest = list(lines)  # ends when the server ends the stream
            assert time.monotonic() - started < 5
            assert "event: snapshot" not in rest[1:]  # nothing after the revocation
    finally:
        server.stop()
