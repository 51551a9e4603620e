"""What the support chat can say about a run: read from its folder, each text pre-flighted.

`read_run_folder` refuses a folder that is no run folder, a run whose dispute is open (nothing to
escalate), or one support cannot help with (a person must log in; the run was interrupted), with
`InvalidConfig` (exit 2): the same rule as the support ticket's (`Outcome.support_ticket`).
`RunFacts` holds the prepared messages of
``support-ticket.md`` (`agent.output.ticket.build_ticket`): the opener (it names the order) and the
story; the answers to what the operator may ask (`agent.site.chat_profile.ASK_KINDS`): the order
number, what happened, when, how many attempts, the error's text; and the screenshots to attach.
Texts that fail the chat's pre-flight are replaced by a plain sentence or left out, and logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from agent.errors import InvalidConfig, InvalidField
from agent.log import get_logger
from agent.outcome import RESULT_FILE, Outcome, Status
from agent.output.held_back import secret_screenshots
from agent.output.run_folder import attempt_entries
from agent.output.ticket import build_ticket
from agent.site.chat_profile import AskKind, ChatProfile
from agent.support.images import image_batches
from agent.support.port import OutgoingImage
from agent.support.preflight import chat_message, fit

__all__ = [
    "CAPTION",
    "HOLDING",
    "LATER",
    "THANKS",
    "Outgoing",
    "RunFacts",
    "facts_of",
    "read_run_folder",
]

log = get_logger("agent.support")

#: What the agent says, in English. The holding message keeps the chat open while nothing else
#: is due; LATER answers a question nobody at the keyboard can answer.
HOLDING = "I am still here, thank you."
LATER = "I will come back with this information."
THANKS = "Thank you."
CAPTION = "Here are my screenshots. The first one shows the error."
MORE_CAPTION = "Here are more screenshots of the steps."
NO_SCREENSHOTS = "Sorry, I have no screenshots of this."
_FOREIGN_ERROR = "The error message is not in English. It is in my screenshots."
_HINT = "pass the run folder that `retry-dispute run` printed (runs/<date>-<time>-<order>/)"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: its text, the images it carries, and why it is sent."""

    text: str
    why: str
    images: tuple[OutgoingImage, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFacts:
    """What the agent can tell support about one run."""

    outcome: Outcome
    #: The first prepared message: hello, and the order that cannot get its dispute.
    opener: str
    #: The other prepared messages, in order, each short and pre-flighted.
    story: tuple[str, ...]
    #: The texts that answer each kind of question (a kind missing here: ask a person).
    answers: Mapping[AskKind, tuple[str, ...]]
    #: The screenshots to attach, message by message, the error's first.
    batches: tuple[tuple[OutgoingImage, ...], ...]
    #: The screenshots never attached: their page held a secret (`HELD_BACK_WHY`).
    held_back: tuple[str, ...] = ()

    @property
    def order_id(self) -> str:
        return self.outcome.order_id


def _links(run_dir: Path) -> list[Path]:
    """The symbolic links among the run folder's files and its screenshots folder's."""
    found: list[Path] = []
    for folder in (run_dir, run_dir / "screenshots"):
        if folder is not run_dir and folder.is_symlink():
            found.append(folder)
            continue
        try:
            found += sorted(p for p in folder.iterdir() if p.is_symlink())
        except OSError:  # no screenshots folder: nothing to look at
            continue
    return found


def read_run_folder(run_dir: Path) -> Outcome:
    """The run's outcome; `InvalidConfig` when it is no run folder or its dispute is open.

    A run folder holding a symbolic link is refused too: ``support`` writes into the folder
    (the transcript, ``log.jsonl``, screenshots) and never follows a link out of it.
    """
    if not run_dir.is_dir():
        raise InvalidConfig(f"run folder {run_dir} does not exist", hint=_HINT)
    links = _links(run_dir)
    if links:
        raise InvalidConfig(
            f"{links[0]} is a symbolic link: support writes into the run folder and never "
            "follows a link out of it",
            hint="replace the link with the file itself, or pass the run folder the run wrote",
        )
    if not (run_dir / RESULT_FILE).is_file():
        raise InvalidConfig(f"{run_dir} is not a run folder (it has no {RESULT_FILE})", hint=_HINT)
    outcome = Outcome.read(run_dir)
    if outcome.status is Status.ERROR and outcome.message.startswith(RESULT_FILE):
        raise InvalidConfig(f"{run_dir}: {outcome.message}", hint=_HINT)
    if outcome.ok:
        dispute = f" ({outcome.dispute_id})" if outcome.dispute_id else ""
        raise InvalidConfig(
            f"the dispute of order {outcome.order_id} is open{dispute}: nothing to escalate",
            hint="`support` is for a run that did not open its dispute (gave up, refused, ...)",
        )
    if outcome.status.support_ticket and not outcome.support_ticket:  # our own profile
        raise InvalidConfig(
            f"the run of order {outcome.order_id} stopped because the site profile does not fit "
            "the page; support cannot help with that",
            hint="fix the profile (`retry-dispute check --site URL --profile PROFILE --order ID` "
            "shows which entry), then run again",
        )
    if not outcome.support_ticket:  # support cannot help: a login, or an unfinished run
        raise InvalidConfig(
            f"the run of order {outcome.order_id} ended {outcome.status}: "
            f"{outcome.status.meaning}; support cannot help with that",
            hint="log in (or solve the check), or let the run finish: run it again first",
        )
    return outcome


def _utc(when: datetime) -> str:
    return when.strftime("%Y-%m-%d at %H:%M:%S UTC")


def _checked(texts: list[str], max_chars: int, why: str) -> tuple[str, ...]:
    """Each text fitted and pre-flighted; a part that fails is logged and left out."""
    kept: list[str] = []
    for text in texts:
        for part in fit(text, max_chars=max_chars):
            try:
                kept.append(chat_message(part, max_chars=max_chars))
            except InvalidField as exc:
                log.warning("agent.support_text_left_out", why=why, error=exc.what)
    return tuple(kept)


def _when(outcome: Outcome) -> str | None:
    failed = [e for e in attempt_entries(outcome) if e.outcome != "opened" and e.when]
    if failed and failed[0].when is not None:
        return f"I first saw the error on {_utc(failed[0].when)}."
    times = [e.when for e in outcome.timeline if e.when is not None]
    return f"I tried on {_utc(times[0])}." if times else None


def _attempts(outcome: Outcome) -> str:
    entries = attempt_entries(outcome)
    n = outcome.attempts or len(entries)
    times = [e.when for e in entries if e.when is not None]
    if n == 0:
        return "I could not send the dispute form even once."
    if not times:
        return f"I tried {n} time{'s' if n != 1 else ''}."
    if n == 1 or len(times) == 1:
        return f"I tried {n} time{'s' if n != 1 else ''}, on {_utc(times[0])}."
    return f"I tried {n} times, from {_utc(times[0])} to {times[-1].strftime('%H:%M:%S UTC')}."


def _error_text(outcome: Outcome, max_chars: int) -> tuple[str, ...]:
    details = [e.detail for e in attempt_entries(outcome) if e.detail]
    stopped = [e.detail for e in outcome.timeline if e.kind == "step" and e.detail]
    text = (
        outcome.last_answer
        or (details[-1] if details else None)
        or (stopped[-1] if stopped else None)
    )
    if not text:
        return ()
    said = " ".join(text.split())
    answer = _checked([f'The site said: "{said}"'], max_chars, "error_text")
    return answer or (_FOREIGN_ERROR,)


def facts_of(outcome: Outcome, chat: ChatProfile) -> RunFacts:
    """Everything the chat may need from the run, pre-flighted for ``chat``'s limits."""
    limit = chat.max_chars
    prepared = build_ticket(outcome).messages
    opener_parts = _checked(list(prepared[:1]), limit, "opener")
    order = outcome.order_id
    opener = opener_parts[0] if opener_parts else f"Hello. I need help with order {order}."
    story = _checked([*opener_parts[1:], *prepared[1:]], limit, "story")
    order_answer = opener if order in opener else f"My order number is {order}."
    answers: dict[AskKind, tuple[str, ...]] = {
        "order_number": (order_answer,),
        "attempts": _checked([_attempts(outcome)], limit, "attempts"),
        "what_happened": story,
    }
    when = _when(outcome)
    if when:
        answers["when"] = _checked([when], limit, "when")
    error_text = _error_text(outcome, limit)
    if error_text:
        answers["error_text"] = error_text
    return RunFacts(
        outcome=outcome,
        opener=opener,
        story=story,
        answers=MappingProxyType({k: v for k, v in answers.items() if v}),
        batches=image_batches(outcome, max_images=chat.max_images, max_bytes=chat.max_image_bytes),
        held_back=secret_screenshots(outcome),
    )


def screenshot_messages(facts: RunFacts, sent_batches: int) -> tuple[Outgoing, ...]:
    """The next batch of screenshots as one message, or a sorry when there is none at all."""
    if not facts.batches:
        return (Outgoing(NO_SCREENSHOTS, "screenshots"),) if sent_batches == 0 else ()
    if sent_batches >= len(facts.batches):
        return ()
    caption = CAPTION if sent_batches == 0 else MORE_CAPTION
    return (Outgoing(caption, "screenshots", facts.batches[sent_batches]),)
