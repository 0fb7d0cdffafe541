"""The dashboard through the cluster's api role, in a real browser (Debian's Chromium): a
simulated hour sent to the ingest role is on screen as the owning worker counts it, an event
posted later shows within seconds, and the view passes axe-core in both languages and
themes, as the single process's does."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import Browser

from conftest import unavailable
from test_api_role import cluster  # noqa: F401 - a fixture: the roles as real processes
from test_dashboard import AXE, axe_violations, browser, expected, screen_rows, shown  # noqa: F401
from wallboard.sim import SimConfig, simulate


def _send(server: Any, secret: str, events: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=server.url, timeout=60, trust_env=False,
                      headers={"Authorization": f"Bearer {secret}"}) as client:
        for start in range(0, len(events), 2000):
            reply = client.post("/api/v1/events", json=events[start:start + 2000])
            assert reply.status_code == 200 and reply.json()["rejected"] == 0, reply.text


def _snapshot(server: Any, secret: str) -> dict[str, Any]:
    with httpx.Client(base_url=server.url, timeout=30, trust_env=False,
                      headers={"Authorization": f"Bearer {secret}"}) as client:
        found: dict[str, Any] = client.get("/api/v1/accounts/acme/snapshot").json()
        return found


def test_the_dashboard_through_the_api_role_shows_the_workers_figures_live(
        browser: Browser, cluster: dict[str, Any]) -> None:  # noqa: F811
    if not AXE.is_file():
        unavailable("axe-core is not installed: run `make frontend`")
    api, secrets = cluster["api"], cluster["secrets"]
    now = int(time.time() * 1000)
    hour = simulate(SimConfig(seed=8, account="acme", timezone=cluster["zone"],
                              start_ms=now - 3600_000, hours=1, busy_from_start=True,
                              staffing=0.5)).events
    _send(cluster["ingest"], secrets["ingest"], hour)
    deadline = time.monotonic() + 20
    while _snapshot(api, secrets["view"])["total"]["arrived"] == 0:
        assert time.monotonic() < deadline, "the api role never showed the hour"
        time.sleep(0.2)
    problems: dict[str, list[str]] = {}
    for lang, scheme in (("en", "light"), ("ru", "dark")):
        # bypass_csp: axe is injected into the page, which the policy rightly forbids.
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True,
                                  color_scheme=scheme,
                                  locale="ru-RU" if lang == "ru" else "en-US")
        page = ctx.new_page()
        page.goto(f"{api.url}/signin?lang={lang}")
        page.fill("#token", secrets["view"])
        page.click("button[type=submit]")
        page.wait_for_selector(".freshness[data-state=live]")
        page.wait_for_selector("tr[data-row]")
        problems[f"channels ({lang}, {scheme})"] = axe_violations(page)
        if lang == "en":
            # What is on screen is what the api role answers (the owning worker's count).
            channels = {f"channel:{r['id']}": expected(r)
                        for r in _snapshot(api, secrets["view"])["channels"]}
            on_screen = screen_rows(page)
            assert set(on_screen) == set(channels) and len(channels) >= 4
            for row, figures in channels.items():
                for key in ("arrived", "served", "unserved"):
                    assert shown(on_screen[row][key]) == figures[key], (row, key)
            # An event posted to the ingest role shows on this screen within seconds.
            cell = "[data-row='channel:site'] [data-key=arrived]"
            before = int(page.get_attribute(cell, "data-value") or "0")
            event = {"id": f"live-{time.time_ns()}", "type": "conversation.started",
                     "account": "acme", "at": int(time.time() * 1000),
                     "conversation": f"live-{time.time_ns()}", "channel": "site"}
            started = time.monotonic()
            _send(cluster["ingest"], secrets["ingest"], [event])
            page.wait_for_function(
                "([cell, want]) => document.querySelector(cell).dataset.value === want",
                arg=[cell, str(before + 1)], polling="raf", timeout=10_000)
            print(f"\n  dashboard through the api role: POST to ingest to the figure on "
                  f"screen {(time.monotonic() - started) * 1000:.0f} ms")
        ctx.close()
    assert {view: found for view, found in problems.items() if found} == {}


