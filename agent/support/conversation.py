"""The conversation with support: wait in the queue, answer, attach, never fall silent too long.

One loop over a `ChatPort`, with time from an injected ``clock`` and ``sleep`` (tests never sleep):

- **queue**: wait for an operator, showing the position and the time waited;
- **answers**: each operator message is matched against the profile's ``asks``; a known request
  (the order number, screenshots, what happened, when, how many attempts, the error's text) is
  answered from the run folder, once; a message that matches nothing is a question for the person
  (on a terminal), or gets "I will come back with this information." and ends the chat
  (``person``);
- **the prepared messages**: the opener (it names the order) and the story go out one at a time,
  when asked or when it is the customer's turn and nothing else is due;
- **never silent too long**: when the customer has said nothing for ``idle_s - hold_margin_s``
  (counted while it is their turn, or all the time when the site counts silence always) and nothing
  else is due, one holding message; never more often than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from agent.errors import InvalidField, UnexpectedPage
from agent.log import get_logger
from agent.output.held_back import HELD_BACK_WHY
from agent.site.chat_profile import AskKind, ChatProfile, IdleCounts
from agent.support.facts import HOLDING, LATER, THANKS, Outgoing, RunFacts, screenshot_messages
from agent.support.person import Person
from agent.support.port import ChatLine, ChatPort, ChatState, SendRefused
from agent.support.preflight import chat_message
from agent.support.transcript import Attachment, Transcript

__all__ = ["ChatEnd", "ChatResult", "Conversation", "Timing"]

log = get_logger("agent.support")

Sleep = Callable[[float], Awaitable[None]]
Say = Callable[[str], None]
#: How a chat ended: a case number, support offline, dropped for inactivity, closed without a
#: case number, still in the queue at the limit, a question for a person, no case in time.
ChatEnd = Literal["case", "offline", "dropped", "closed", "queue_timeout", "person", "timeout"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """The chat's clockwork: the site's idle limit and the agent's margins and polling."""

    idle_s: float
    idle_counts: IdleCounts = "turn"
    hold_margin_s: float = 30.0
    queue_timeout_s: float = 3600.0
    max_chat_s: float = 3600.0
    #: How often the chat is read.
    poll_s: float = 0.25
    #: How long the operator must have been quiet before the agent speaks unasked.
    settle_s: float = 1.0
    #: Shortest time between two of the agent's messages.
    gap_s: float = 0.3
    #: Show the queue at least this often.
    queue_report_s: float = 10.0
    #: How long the page may take to show a queue, an open chat or the offline notice.
    start_timeout_s: float = 30.0

    @classmethod
    def of(cls, chat: ChatProfile) -> Timing:
        """The timing a profile's ``[support_chat]`` gives, polling scaled to short limits."""
        return cls(
            idle_s=chat.idle_s,
            idle_counts=chat.idle_counts,
            hold_margin_s=chat.hold_margin_s,
            queue_timeout_s=chat.queue_timeout_s,
            max_chat_s=chat.max_chat_s,
            poll_s=min(0.25, chat.hold_margin_s / 4),
            settle_s=min(1.0, chat.hold_margin_s / 2),
            gap_s=min(0.3, chat.hold_margin_s / 4),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatResult:
    """How the conversation ended."""

    end: ChatEnd
    message: str
    case_number: str | None = None
    #: The operator's question nobody could answer (``person``).
    question: str | None = None


class Conversation:
    """One conversation with support about one run."""

    def __init__(
        self,
        port: ChatPort,
        facts: RunFacts,
        chat: ChatProfile,
        *,
        person: Person,
        transcript: Transcript,
        timing: Timing | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        say: Say | None = None,
        hold: bool = True,
    ) -> None:
        self.port = port
        self.facts = facts
        self.chat = chat
        self.person = person
        self.transcript = transcript
        self.timing = timing or Timing.of(chat)
        self.clock = clock
        self.sleep = sleep
        self.say: Say = say or (lambda _text: None)
        #: False only in tests that show what happens without the holding message.
        self.hold = hold
        self._order = re.compile(rf"(?<!\d){re.escape(facts.order_id)}(?!\d)")
        self.due: list[Outgoing] = []
        self.sent: list[Outgoing] = []  # sent, not yet seen in the chat
        self.sent_texts: set[str] = set()
        self.answered: set[AskKind] = set()
        self.batches_sent = 0
        self.story_next = 0
        self.questions: list[str] = []
        self.asking: str | None = None
        self.case_number: str | None = None
        self.last_sender: str | None = None
        self.opened_at: float | None = None
        self.last_sent_at = -math.inf
        self.last_operator_at = -math.inf
        self.holds = 0
        self.shot_due: str | None = None
        #: How long reading the chat and sending a message take here (decaying maxima): the
        #: holding message goes that much earlier, so a slow machine is never dropped.
        self.read_lag = 0.0
        self.send_lag = 0.0
        self.shot_lag = 0.0
        self.read_started = -math.inf
        self.appeared_after = -math.inf
        self.opened_hint = -math.inf

    # -- reading ----------------------------------------------------------------------------

    async def _read(self) -> ChatState:
        # a message new in this read appeared after the previous read began: the site's clock
        # started counting no earlier than that (the previous read's start is the safe guess)
        self.appeared_after = self.read_started
        started = self.read_started = self.clock()
        state = await self.port.read()
        self.read_lag = max(self.clock() - started, self.read_lag * 0.9)
        replied = False
        for line in state.lines:
            self.last_sender = line.sender
            if line.sender == "operator":
                replied = True
                self._operator(line)
            else:
                self._customer(line)
        if state.case_number and not self.case_number:
            self.case_number = state.case_number
            self.transcript.case_given()
        if replied and self.shot_due is not None and not self._hold_near(state, self.shot_lag):
            await self._shot(self.shot_due)  # else later: a screenshot must not delay a hold
        return state

    def _operator(self, line: ChatLine) -> None:
        self.last_operator_at = max(self.appeared_after, self.last_operator_at)
        self.say(f"support: {line.text}")
        case = self.chat.find_case_number(line.text)
        if case:
            self.transcript.message("operator", line.text, why="case")
            if not self.case_number:
                self.case_number = case
                self.transcript.case_given()
            return
        kind = self.chat.ask_of(line.text)
        # what the operator asked (the report says it): its kind, or "question" for a person
        self.transcript.message("operator", line.text, why=kind or "question")
        log.info("agent.support_operator", kind=kind or "question", chars=len(line.text))
        if kind is None:
            self.questions.append(line.text)
        elif kind != "none":
            self._request(kind, line.text)

    def _customer(self, line: ChatLine) -> None:
        out = self.sent.pop(0) if self.sent else None
        attachments = tuple(
            Attachment(name=i.name, type=i.mime_type, size=len(i.data), source=i.source)
            for i in (out.images if out else ())
        )
        self.transcript.message(
            "customer",
            line.text or (out.text if out else ""),
            why=out.why if out else None,
            attachments=attachments,
        )

    def _request(self, kind: AskKind, text: str) -> None:
        """Queue the answer to a known request; a repeated one is answered once only."""
        if kind == "screenshots":
            batch = screenshot_messages(self.facts, self.batches_sent)
            if batch:
                self.batches_sent += 1
                self.due.extend(batch)
            else:
                log.info("agent.support_repeat_ignored", kind=kind)
            return
        if kind in self.answered:
            log.info("agent.support_repeat_ignored", kind=kind)
            return
        answer = self.facts.answers.get(kind)
        if not answer:  # a kind this run folder cannot answer: as good as an unknown question
            self.questions.append(text)
            return
        self.answered.add(kind)
        texts = (
            self._story(answer)
            if kind == "what_happened"
            else [Outgoing(t, kind) for t in answer if t not in self.sent_texts]
        )
        self.due.extend(texts)
        if kind == "what_happened":
            self.story_next = len(self.facts.story)

    def _story(self, texts: tuple[str, ...]) -> list[Outgoing]:
        """The story's messages; the one announcing screenshots becomes the screenshots."""
        out: list[Outgoing] = []
        for text in texts:
            if text in self.sent_texts:
                continue
            if "screenshot" in text.casefold():
                batch = screenshot_messages(self.facts, self.batches_sent)
                if batch and self.facts.batches:
                    self.batches_sent += 1
                    out.extend(batch)
                continue
            out.append(Outgoing(text, "story"))
        return out

    # -- timing -----------------------------------------------------------------------------

    def _silence_base(self, state: ChatState) -> float | None:
        """When the customer's silence started counting now, or None while it does not."""
        assert self.opened_at is not None
        base = max(self.opened_at, self.last_sent_at)
        if self.timing.idle_counts == "turn":
            if state.operator_typing:
                return None
            base = max(base, self.last_operator_at)
        return base

    def _left_s(self, state: ChatState) -> float:
        """Seconds before the chat would drop a silent customer (inf while it would not)."""
        base = self._silence_base(state)
        return math.inf if base is None else base + self.timing.idle_s - self.clock()

    def _hold_near(self, state: ChatState, extra_s: float = 0.0) -> bool:
        """Whether the holding message is due within ``extra_s`` (this machine's lags counted)."""
        if self.opened_at is None:
            return False
        left = self._left_s(state) - self.read_lag - self.send_lag - extra_s
        return left <= self.timing.hold_margin_s

    def _hold_due(self, state: ChatState) -> bool:
        return self.hold and self._hold_near(state)

    # -- acting -----------------------------------------------------------------------------

    async def _shot(self, why: str) -> None:
        self.shot_due = None
        started = self.clock()
        shot = await self.port.snapshot(f"chat-{why}")
        self.shot_lag = max(self.clock() - started, self.shot_lag * 0.9)
        if shot:
            self.transcript.screenshots.append(shot)

    async def _finish(self, result: ChatResult) -> ChatResult:
        """Record what the chat shows last (the agent's last message too), then a screenshot."""
        with contextlib.suppress(Exception):  # the chat's last state must not hide the result
            if self.sent:
                await self._read()
        await self._shot(result.end)
        return result

    async def _send(self, out: Outgoing) -> bool:
        if self.clock() - self.last_sent_at < self.timing.gap_s:
            await self.sleep(self.timing.gap_s - (self.clock() - self.last_sent_at))
        started = self.clock()  # the site counts from when it receives the message: no later
        try:
            if out.images:
                await self.port.attach(out.images, out.text)
            else:
                await self.port.send(out.text)
        except SendRefused as exc:
            log.warning("agent.support_send_refused", why=out.why, error=str(exc)[:200])
            if out.why != "thanks":  # a closing thank-you after the chat closed is no news
                self.transcript.note(f"The chat did not take a message ({out.why}): {exc}")
                self.say(f"support: the chat did not take the message: {exc}")
            return False
        self.send_lag = max(self.clock() - started, self.send_lag * 0.9)
        self.last_sent_at = started
        self.sent.append(out)
        self.sent_texts.add(out.text)
        if self._order.search(out.text):
            self.answered.add("order_number")
        names = ", ".join(i.name for i in out.images)
        self.say(f"you: {out.text}" + (f" [attached: {names}]" if names else ""))
        log.info("agent.support_sent", why=out.why, chars=len(out.text), images=len(out.images))
        if out.why != "holding":
            self.shot_due = out.why
        return True

    def _operator_waiting(self, state: ChatState) -> bool:
        """The customer's turn: the operator spoke last (or nobody did), is quiet and not typing."""
        quiet_since = max(self.last_operator_at, self.opened_at or 0.0)
        return (
            not state.operator_typing
            and self.last_sender != "customer"
            and self.clock() - quiet_since >= self.timing.settle_s
        )

    def _next_unasked(self) -> Outgoing | None:
        """The prepared message to say on the customer's turn: the opener, then the story."""
        if not self.sent_texts and self.facts.opener:
            return Outgoing(self.facts.opener, "opener")
        while self.story_next < len(self.facts.story):
            self.story_next += 1
            story = self._story(self.facts.story[self.story_next - 1 : self.story_next])
            if story:
                self.due.extend(story[1:])
                return story[0]
        return None

    async def _answer_person(self, state: ChatState) -> ChatResult | None:
        """Hand the operator's question to the person, and send their pre-flighted answer."""
        if self.questions and not state.operator_typing:
            question, self.questions = self.questions[-1], []
            if not self.person.present:
                await self._send(Outgoing(LATER, "later"))
                return await self._finish(
                    ChatResult(
                        end="person",
                        message=f"the operator asked a question only you can answer: {question}",
                        question=question,
                    )
                )
            self.asking = question
            log.info("agent.support_person_asked", chars=len(question))
            self.person.ask(question, left_s=self._left_s(state))
        if self.asking is None:
            return None
        line = self.person.poll()
        if line is None:
            if not self.person.present:  # the terminal closed: nobody will answer
                self.questions = [self.asking]
                self.asking = None
            return None
        if not line.strip():
            self.person.tell("Nothing sent; the agent waits for the operator's next message.")
            self.asking = None
            return None
        try:
            text = chat_message(line, max_chars=self.chat.max_chars)
        except InvalidField as exc:
            self.person.tell(f"Not sent: {exc.what}. {exc.hint or ''} Please type it again.")
            log.info("agent.support_person_refused", error=exc.what)
            return None
        if await self._send(Outgoing(text, "person")):
            self.asking = None
        return None

    async def _act(self, state: ChatState) -> ChatResult | None:
        if self.due:
            await self._send(self.due.pop(0))
            return None
        ended = await self._answer_person(state)
        if ended is not None:
            return ended
        if self.asking is None and not self.questions and self._operator_waiting(state):
            unasked = self._next_unasked()
            if unasked is not None:
                await self._send(unasked)
                return None
        if self._hold_due(state):
            left = self._left_s(state)
            out = (
                Outgoing(self.facts.opener, "opener")
                if not self.sent_texts
                else Outgoing(HOLDING, "holding")
            )
            if await self._send(out) and out.why == "holding":
                self.holds += 1
                log.info("agent.support_hold_sent", left_s=round(left, 3), holds=self.holds)
                if self.asking is not None:
                    self.person.tell(
                        f'(sent "{HOLDING}" to keep the chat open; about '
                        f"{round(self.timing.idle_s)} s again before it would close)"
                    )
        return None

    # -- the whole conversation ---------------------------------------------------------------

    async def _queue(self) -> ChatState | ChatResult:
        """Wait for an operator, showing the queue; the open state, or how it ended."""
        started = self.clock()
        shown_at, shown = -math.inf, None
        state = await self._read()
        while state.phase in ("starting", "queued"):
            self.opened_hint = self.read_started
            waited = self.clock() - started
            if state.phase == "starting" and waited >= self.timing.start_timeout_s:
                raise UnexpectedPage(
                    f"the chat page showed no queue, no open chat and no offline notice "
                    f"after {waited:.0f} s",
                    hint="check the profile's [support_chat.selectors] against the chat page",
                )
            report_due = self.clock() - shown_at >= self.timing.queue_report_s
            if state.phase == "queued" and (state.queue_position != shown or report_due):
                shown, shown_at = state.queue_position, self.clock()
                self.transcript.queued(state.queue_position)
                where = f"position {shown}, " if shown is not None else ""
                self.say(f"support: waiting in the queue: {where}waited {waited:.0f} s")
                log.info("agent.support_queued", position=shown, waited_s=round(waited, 1))
            if waited >= self.timing.queue_timeout_s:
                return ChatResult(
                    end="queue_timeout",
                    message=f"still in the queue after {waited:.0f} s; try again later",
                )
            await self.sleep(self.timing.poll_s)
            state = await self._read()
        return state

    def _over(self, state: ChatState) -> ChatResult | None:
        notice = state.notice or ""
        if state.phase == "offline":
            self.transcript.note(notice or "Support is offline.")
            return ChatResult(end="offline", message=f"support is offline: {notice}".rstrip(": "))
        if state.phase == "dropped":
            self.transcript.note(notice)
            return ChatResult(end="dropped", message=f"the chat dropped: {notice}".rstrip(": "))
        if state.phase == "closed":
            self.transcript.note(notice)
            return ChatResult(
                end="closed",
                message=f"the chat was closed without a case number: {notice}".rstrip(": "),
            )
        return None

    async def run(self) -> ChatResult:
        """Start the chat and hold the conversation until it ends."""
        for shot in self.facts.held_back:  # said once: which screenshots never go, and why
            self.say(f"support: {self.transcript.hold_back(shot, HELD_BACK_WHY)}")
            log.warning("agent.support_screenshot_held_back", screenshot=shot)
        await self.port.start()
        before_open = self.clock()
        first = await self._queue()
        if isinstance(first, ChatResult):
            return await self._finish(first)
        state = first
        # the operator joined at the latest when the last read began, and after the one before
        self.opened_at = max(before_open, self.opened_hint)
        if state.phase == "open":
            self.say("support: an operator joined the chat")
            log.info("agent.support_opened")
        while True:
            if self.case_number:
                if self.asking is not None:
                    self.person.tell("The operator gave a case number: no answer is needed now.")
                if state.phase == "open" and THANKS not in self.sent_texts:
                    await self._send(Outgoing(THANKS, "thanks"))
                return await self._finish(
                    ChatResult(
                        end="case",
                        message=f"support opened case {self.case_number}",
                        case_number=self.case_number,
                    )
                )
            over = self._over(state)
            if over is not None:
                return await self._finish(over)
            if self.clock() - self.opened_at >= self.timing.max_chat_s:
                return await self._finish(
                    ChatResult(
                        end="timeout",
                        message=f"no case number after {self.timing.max_chat_s:.0f} s of chat",
                    )
                )
            ended = await self._act(state)
            if ended is not None:
                return ended
            await self.sleep(self.timing.poll_s)
            state = await self._read()
