"""Every message to the chat passes the dispute message's pre-flight, with the chat's length limit.

`chat_message` normalises a text like the dispute message (hidden characters cleaned, one line, a
final period) and refuses what the chat would refuse or mangle: non-Latin letters (the operators
answer in English only), characters outside plain text, a text over the chat's limit, and anything
that looks like a password, a cookie or a token (what the log's redaction would mask). `fit` splits
a longer prepared text at sentence ends so that each part passes.
"""

from __future__ import annotations

import re

from agent.errors import InvalidField
from agent.log import redact
from agent.request import check_message, normalise_message

__all__ = ["chat_message", "fit", "mask_secrets"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def mask_secrets(text: str) -> str:
    """``text`` with cookies, passwords and tokens masked, as the run's log masks them."""
    return str(redact(None, "", {"text": text})["text"])


def chat_message(text: str, *, max_chars: int) -> str:
    """``text`` as it may be sent to the chat; `InvalidField` (field ``message``) says why not.

    The dispute message's pre-flight (`normalise_message`, `check_message`), except its length
    rule: a chat message may be short ("Yes.") but not longer than ``max_chars``.
    """
    normalised, _ = normalise_message(text)
    try:
        check_message(normalised)
    except InvalidField as exc:
        if "length" not in exc.context or not normalised:  # the length rule is the chat's own
            raise
    if len(normalised) > max_chars:
        raise InvalidField(
            f"too long for the chat ({len(normalised)} characters)",
            field="message",
            hint=f"the chat takes at most {max_chars} characters: keep it short and simple",
            context={"length": len(normalised)},
        )
    if mask_secrets(normalised) != normalised:
        raise InvalidField(
            "it looks like a password, a cookie or a token",
            field="message",
            hint="never send those in a chat",
        )
    return normalised


def fit(text: str, *, max_chars: int) -> list[str]:
    """``text`` in parts of at most ``max_chars``, cut after sentences (or words in a long one)."""
    parts: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        for piece in _words_to_fit(sentence, max_chars):
            joined = f"{current} {piece}" if current else piece
            if len(joined) <= max_chars:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _words_to_fit(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    pieces, current = [], ""
    for word in sentence.split(" "):
        word = word[: max_chars - 3]
        joined = f"{current} {word}" if current else word
        if len(joined) + 3 <= max_chars:
            current = joined
        else:
            pieces.append(current + "...")
            current = word
    pieces.append(current)
    return pieces
