"""``wallboard chatwoot sync``: what Chatwoot's webhooks do not say, read from its REST API
every ``every_s`` seconds and sent to the connector (docs/chatwoot.md).

- The roster: the agents with their availability (Chatwoot has no webhook for presence),
  the teams with their members, the inboxes with their channel types, members and
  assignment limits, as one ``wallboard_roster`` message; the connector emits what changed.
- Reconciliation: every open conversation as Chatwoot lists it, those resolved since the
  last pass, and those the connector holds live that neither list had (asked one by one),
  each sent as the picture a ``conversation_updated`` webhook would carry (stamped with
  Chatwoot's clock when it answered, so a webhook newer than it wins): a missed assignment
  or resolution is repaired by the next pass.

Both go through the connector's own webhook route, signed with the account's secret as
Chatwoot signs, so there is one way in and one memory of each conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msgspec

from .connectors.chatwoot.roster import LIVE_EVENT, ROSTER_EVENT
from .connectors.chatwoot.signature import sign

__all__ = ["ChatwootApi", "Sync"]

log = logging.getLogger("wallboard.chatwoot_sync")

MAX_PAGES = 400  # a pass reads at most this many pages of a list (10,000 conversations)
MAX_ASKED = 500  # conversations live here but not listed, asked one by one per pass


class ChatwootApi:
    """The few REST calls the sync makes, with a user's access token (an administrator's:
    agents, teams and inboxes are not open to agent-bot tokens)."""

    def __init__(self, client: httpx.AsyncClient, url: str, token: str, account: int) -> None:
        self._client = client
        self._base = f"{url.rstrip('/')}/api/v1/accounts/{account}"
        self._headers = {"api_access_token": token}
        self.answered_at: float | None = None  # Chatwoot's clock at its last answer

    async def _get(self, path: str, **params: Any) -> Any:
        reply = await self._client.get(self._base + path, headers=self._headers,
                                       params=params)
        reply.raise_for_status()
        with contextlib.suppress(TypeError, ValueError):
            self.answered_at = parsedate_to_datetime(reply.headers["date"]).timestamp()
        return reply.json()

    async def agents(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get("/agents")
        return found

    async def teams(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get("/teams")
        return found

    async def team_members(self, team: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._get(f"/teams/{team}/team_members")
        return found

    async def inboxes(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self._get("/inboxes"))["payload"]
        return found

    async def inbox_members(self, inbox: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self._get(f"/inbox_members/{inbox}"))["payload"]
        return found

    async def conversation(self, display_id: int) -> dict[str, Any]:
        found: dict[str, Any] = await self._get(f"/conversations/{display_id}")
        return found

    async def conversations(self, status: str) -> AsyncIterator[dict[str, Any]]:
        """Newest activity first, page by page (until an empty one: the page size is
        Chatwoot's setting)."""
        for page in range(1, MAX_PAGES + 1):
            listed = (await self._get("/conversations", status=status, assignee_type="all",
                                      sort_by="last_activity_at_desc", page=page))["data"]
            items: list[dict[str, Any]] = listed["payload"]
            if not items:
                return
            for item in items:
                yield item


class Sync:
    """One Chatwoot account's passes, sent to one Wallboard account's connector."""

    def __init__(self, chatwoot: ChatwootApi, client: httpx.AsyncClient, wallboard: str,
                 account: str, secret: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._chatwoot = chatwoot
        self._client = client
        self._hook = f"{wallboard.rstrip('/')}/api/v1/connectors/chatwoot/{account}"
        self._secret = secret
        self._clock = clock
        self._resolved_since: float | None = None  # the last pass's start (first: 1 h back)

    async def roster(self) -> dict[str, Any]:
        """Send the agents, teams and inboxes as they are now; the connector's reply."""
        agents = await self._chatwoot.agents()
        teams = [{"id": t["id"], "name": t["name"],
                  "members": [a["id"] for a in await self._chatwoot.team_members(t["id"])]}
                 for t in await self._chatwoot.teams()]
        inboxes = []
        for inbox in await self._chatwoot.inboxes():
            limit = (inbox.get("auto_assignment_config") or {}).get("max_assignment_limit")
            members = await self._chatwoot.inbox_members(inbox["id"])
            inboxes.append({"id": inbox["id"], "name": inbox["name"],
                            "channel_type": inbox["channel_type"],
                            "members": [m["id"] for m in members],
                            "max_assignment_limit": limit if limit else None})
        return await self._send({
            "event": ROSTER_EVENT, "at": int(self._clock() * 1000),
            "agents": [{"id": a["id"], "name": a.get("available_name") or a["name"],
                        "availability_status": a.get("availability_status", "offline")}
                       for a in agents],
            "teams": teams, "inboxes": inboxes})

    async def reconcile(self) -> int:
        """Send the picture of every open conversation and of those resolved since the last
        pass; how many were sent. Each picture is stamped with Chatwoot's own clock when it
        listed them (less a second): a webhook of a later change wins over it, whatever this
        host's clock says."""
        sent, asked, seen = 0, None, set()
        for status in ("open", "resolved"):
            async for item in self._chatwoot.conversations(status):
                if asked is None:
                    answered = self._chatwoot.answered_at
                    asked = (answered if answered is not None else self._clock()) - 1.0
                since = self._resolved_since if self._resolved_since is not None \
                    else asked - 3600
                if status == "resolved" and item.get("last_activity_at", 0) < since - 60:
                    break  # newest first: the rest were resolved before the last pass
                try:
                    await self._send(_picture(item, asked))
                    seen.add(item["id"])
                    sent += 1
                except (httpx.HTTPStatusError, KeyError, TypeError) as exc:
                    log.warning("chatwoot sync: conversation %r not sent: %r",
                                item.get("id"), exc)
        if asked is not None:
            self._resolved_since = asked
        # Those live here that Chatwoot listed neither as open nor as lately resolved: one
        # resolved while its webhook and this sync were both away, asked one by one.
        live = (await self._send({"event": LIVE_EVENT})).get("live") or []
        for display_id in [i for i in live if i not in seen][:MAX_ASKED]:
            try:
                item = await self._chatwoot.conversation(display_id)
                answered = self._chatwoot.answered_at
                await self._send(_picture(item, (answered or self._clock()) - 1.0))
                sent += 1
            except (httpx.HTTPError, KeyError, TypeError) as exc:
                log.warning("chatwoot sync: conversation %r not checked: %r", display_id, exc)
        return sent

    async def run(self, every_s: float) -> None:
        """Forever: a roster and a reconciliation every ``every_s``; a failed part is said
        in the log and tried again next time (the other part goes on)."""
        while True:
            started = self._clock()
            try:
                await self.roster()
            except Exception as exc:  # Chatwoot or Wallboard away, or a shape not expected
                log.warning("chatwoot sync: the roster failed: %r", exc)
            try:
                sent = await self.reconcile()
                log.info("chatwoot sync: %d conversations reconciled", sent)
            except Exception as exc:
                log.warning("chatwoot sync: the reconciliation failed: %r", exc)
            await asyncio.sleep(max(0.0, every_s - (self._clock() - started)))

    async def _send(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = msgspec.json.encode(payload)
        stamp = str(int(self._clock()))
        reply = await self._client.post(self._hook, content=body, headers={
            "Content-Type": "application/json", "X-Chatwoot-Timestamp": stamp,
            "X-Chatwoot-Signature": sign(self._secret, stamp, body),
            "X-Chatwoot-Delivery": f"sync-{uuid.uuid4()}"})
        reply.raise_for_status()
        answered: dict[str, Any] = reply.json()
        return answered


def _picture(item: dict[str, Any], asked: float) -> dict[str, Any]:
    """A conversation as the REST list gives it, in the shape of a ``conversation_updated``
    webhook: the channel type is under ``meta`` there, and an assignee is listed only when
    it is an agent."""
    meta = item.get("meta") or {}
    assignee = meta.get("assignee")
    return {"event": "conversation_updated", "id": item["id"], "inbox_id": item["inbox_id"],
            "status": item["status"], "channel": meta.get("channel"),
            "labels": item.get("labels") or [], "created_at": item.get("created_at", 0),
            "updated_at": asked,
            "meta": {"assignee": None if not assignee else
                     {"id": assignee["id"], "name": assignee.get("available_name")
                      or assignee.get("name"), "type": "user"},
                     "team": meta.get("team") or None}}
