"""The response to the store: prepared, then sent once, with the first submission's guarantee.

`Responder.send` prepares the disagreement (the message through the dispute message's
pre-flight, the evidence checked by content), takes the response's key in the journal
(``<order>:response:<n>``) and its claim, settles an intent a crash left unfinished by reading
the request's page, then drives `agent.follow.port.ResponsePort` with the submit loop (the
retry policy; a resend only while the page shows the response is not on the record).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import BrowserContext

from agent.errors import InvalidConfig, UnexpectedPage
from agent.flow.claim import order_claim
from agent.flow.journal import Journal
from agent.flow.loop import SubmitLoop
from agent.flow.policy import RetryDetails, RetryPolicy
from agent.follow.driver import response_loop, send_response
from agent.follow.inputs import FollowTarget, run_evidence
from agent.follow.message import default_message, prepare_message
from agent.follow.port import ResponsePort
from agent.follow.reach import Reached
from agent.follow.reading import RequestReading
from agent.follow.record import FollowShots, ResponseRecord
from agent.log import get_logger
from agent.request import DisputeRequest, PreparedRequest, check_evidence
from agent.session import Credentials
from agent.site.profile_model import SiteProfile

__all__ = ["Responder", "response_key"]

log = get_logger("agent.follow")


def response_key(journal: Journal | None, site: str, order_key: str) -> tuple[str, int]:
    """The journal's key of the next response for this order, and its number: the first
    ``<order>:response:<n>`` with no answer recorded as sent (a crash's unfinished intent
    keeps its key, so the next run settles it before anything else)."""
    n = 1
    while journal is not None:
        key = f"{order_key}:response:{n}"
        if not any(i.outcome == "opened" for i in journal.history(site=site, order_id=key)):
            return key, n
        n += 1
    return f"{order_key}:response:{n}", n


def _iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True, kw_only=True)
class Responder:
    """Sends the shopper's disagreement for one request."""

    target: FollowTarget
    profile: SiteProfile
    base_url: str
    site: str
    context: BrowserContext
    journal: Journal | None
    run_id: str
    shots: FollowShots
    policy: RetryPolicy
    sleep: Callable[[float], Awaitable[None]]
    clock: Callable[[], float]
    say: Callable[[str], None]
    credentials: Credentials | None = None
    message: str | None = None
    evidence: tuple[Path, ...] | None = None
    rng: random.Random | None = None

    async def send(self, reached: Reached, reading: RequestReading) -> ResponseRecord:
        """Send the disagreement once (resent only while the page shows it is not on record)."""
        rules = self.profile.follow.respond if self.profile.follow else None
        if rules is None:  # pragma: no cover - refused before any browser starts
            raise InvalidConfig(f"profile {self.profile.source} has no [follow.respond] table")
        text, changes = prepare_message(
            self.message or default_message(reading, self.target.request)
        )
        evidence = self.evidence
        if evidence is None:
            evidence = run_evidence(self.target)
        if evidence is None:
            raise InvalidConfig(
                "the run's evidence cannot be found from here",
                hint="give the files to send again with --evidence FILE…",
            )
        files = check_evidence(evidence, received=False, reason="", rules=self.profile.evidence)
        prepared = PreparedRequest(self._request(text, evidence), tuple(changes), tuple(files))
        key, n = response_key(self.journal, self.site, self.target.order_key)
        names = tuple(p.name for p in evidence)
        with order_claim(self.journal, site=self.site, order_id=key, run_id=self.run_id):
            port = ResponsePort(
                context=self.context,
                reached=reached,
                rules=rules,
                prepared=prepared,
                base_url=self.base_url,
                order_id=self.target.order_id,
                item=self.target.item,
                credentials=self.credentials,
                baseline=reading,
                shots=self.shots,
                clock=self.clock,
            )
            loop = response_loop(
                port,
                policy=self.policy,
                answer_s=port.profile.timeouts.answer_s,
                shows_within_s=self.profile.dispute.shows_within_s,
                journal=self.journal,
                site=self.site,
                key=key,
                run_id=self.run_id,
                sleep=self.sleep,
                clock=self.clock,
                rng=self.rng,
                on_wait=self.on_wait,
            )
            settled = await self.settle(loop, key)
            if settled:
                self.say(f"your response {n} is already on the store's record: not sent again")
                return ResponseRecord(
                    n=n, key=key, outcome="already_sent", message=text, evidence=names, at=_iso()
                )
            self.say(f"sending your disagreement to the store ({len(names)} file(s))")
            delivery = await send_response(loop)
        how = "found on the store's record" if delivery.found else "sent"
        self.say(f"your disagreement was {how} ({delivery.attempts} attempt(s))")
        return ResponseRecord(
            n=n,
            key=key,
            outcome="sent",
            attempts=delivery.attempts,
            message=text,
            evidence=names,
            at=_iso(),
            answer=delivery.last_answer,
        )

    def on_wait(self, details: RetryDetails) -> None:
        self.say(
            f"the site is busy: trying again in {details.wait_for:.1f} s ({details.wait_cause})"
        )

    async def settle(self, loop: SubmitLoop, key: str) -> bool:
        """A crash left this response's intent unfinished: the request's page says whether it
        arrived, read until that submission's answer could have come (as after an interrupted
        dispute, `agent.flow.opening.settle_unfinished`)."""
        journal = self.journal
        if journal is None:
            return False
        pending = journal.unfinished(site=self.site, order_id=key)
        if not pending:
            return False
        settings = loop.settings
        until_wall = max(
            i.may_show_until(answer_s=settings.answer_s, shows_within_s=settings.shows_within_s)
            for i in pending
        )
        left = max(0.0, until_wall - journal.now())
        found = await loop.look(until=settings.clock() + left, after_attempt=0, why="earlier_run")
        if found.state == "unreadable":
            raise UnexpectedPage(
                f"the request's page could not be read to check an earlier response "
                f"({found.shown}); nothing was sent",
                hint="run follow again later: nothing is sent before the page can be read",
            )
        journal.settle(
            site=self.site,
            order_id=key,
            outcome="opened" if found.exists else "not_created",
            dispute_id=found.dispute_id,
        )
        log.warning(
            "follow.unfinished_response_settled", intents=len(pending), found=found.dispute_id
        )
        return found.exists

    def _request(self, text: str, evidence: tuple[Path, ...]) -> DisputeRequest:
        asked = self.target.request
        received = asked.get("received") == "yes"
        reason = str(asked.get("reason") or "")
        if not reason:
            names = self.profile.reasons.names(received)
            reason = names[0] if names else "not_received"
        return DisputeRequest(
            order_id=self.target.order_id,
            item=self.target.item,
            received=received,
            reason=reason,
            message=text,
            evidence=evidence,
        )
