"""A stand-in of Chatwoot's REST API on 127.0.0.1 for the sync's tests: the calls
``wallboard chatwoot sync`` makes, answered in Chatwoot's shapes (agents and teams as bare
arrays, inboxes and inbox members under ``payload``, conversations under ``data.payload``
25 a page, newest activity first) from what the test puts in, behind the
``api_access_token`` header; one conversation (``/conversations/<id>``) as the list gives
it."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wallboard.local_http import LocalHttp

__all__ = ["ChatwootStandIn"]


class ChatwootStandIn(LocalHttp):
    def __init__(self, token: str, account: int = 1) -> None:
        self.token = token
        self.account = account
        self.agents: list[dict[str, Any]] = []
        self.teams: list[dict[str, Any]] = []  # each with "members": [agent ids]
        self.inboxes: list[dict[str, Any]] = []  # each with "members": [agent ids]
        self.conversations: list[dict[str, Any]] = []  # as the REST list gives them
        self.calls: list[str] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with standin._lock:
                    standin.calls.append(self.path)
                if self.headers.get("api_access_token") != standin.token:
                    self._send(401, {"error": "Invalid Access Token"})
                    return
                found = standin.answer(self.path)
                self._send(404, {"error": "not found"}) if found is None else \
                    self._send(200, found)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def _agent(self, agent_id: int) -> dict[str, Any]:
        return next(a for a in self.agents if a["id"] == agent_id)

    def answer(self, path: str) -> Any:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = parts.path.removeprefix(f"/api/v1/accounts/{self.account}")
        with self._lock:
            if route == "/agents":
                return self.agents
            if route == "/teams":
                return [{k: v for k, v in t.items() if k != "members"} for t in self.teams]
            if match := re.fullmatch(r"/teams/(\d+)/team_members", route):
                team = next(t for t in self.teams if t["id"] == int(match[1]))
                return [self._agent(a) for a in team["members"]]
            if route == "/inboxes":
                return {"payload": [{k: v for k, v in i.items() if k != "members"}
                                    for i in self.inboxes]}
            if match := re.fullmatch(r"/inbox_members/(\d+)", route):
                inbox = next(i for i in self.inboxes if i["id"] == int(match[1]))
                return {"payload": [self._agent(a) for a in inbox["members"]]}
            if match := re.fullmatch(r"/conversations/(\d+)", route):
                return next((c for c in self.conversations if c["id"] == int(match[1])), None)
            if route == "/conversations":
                status, page = query.get("status", "open"), int(query.get("page", "1"))
                listed = sorted((c for c in self.conversations
                                 if status == "all" or c["status"] == status),
                                key=lambda c: -c["last_activity_at"])
                return {"data": {"meta": {"all_count": len(listed)},
                                 "payload": listed[(page - 1) * 25:page * 25]}}
        return None


def agent(agent_id: int, name: str, availability: str) -> dict[str, Any]:
    """As ``api/v1/models/_agent.json.jbuilder`` writes one."""
    return {"id": agent_id, "account_id": 1, "availability_status": availability,
            "auto_offline": True, "confirmed": True, "email": f"{name.lower()}@example.com",
            "provider": "email", "available_name": name, "name": name, "role": "agent",
            "thumbnail": ""}


def listed(display_id: int, status: str, *, at: int, inbox_id: int = 1,
           channel: str = "Channel::WebWidget", assignee: dict[str, Any] | None = None,
           team: dict[str, Any] | None = None) -> dict[str, Any]:
    """A conversation as the REST list (``conversations/partials/_conversation``) gives it."""
    return {"meta": {"sender": {"id": 100 + display_id, "name": "visitor"},
                     "channel": channel, "assignee": assignee, "team": team,
                     "hmac_verified": False},
            "id": display_id, "account_id": 1, "uuid": f"uuid-{display_id}",
            "inbox_id": inbox_id, "status": status, "priority": None, "labels": [],
            "created_at": at - 600, "timestamp": at, "last_activity_at": at,
            "agent_last_seen_at": 0, "assignee_last_seen_at": 0, "contact_last_seen_at": 0,
            "waiting_since": 0, "first_reply_created_at": 0, "snoozed_until": None,
            "unread_count": 0, "muted": False, "can_reply": True, "custom_attributes": {},
            "additional_attributes": {}, "messages": []}
