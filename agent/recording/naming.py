"""Names for a draft profile's elements, from what the recording says of each: its role and
accessible name, label, test id or text (``returns_refunds``, ``next_step``, ``received_no``).

One element, one name: the same target (its first selector) always gets the name it got first;
two targets never share one (the second gets ``_2``). A name the recording gives no words for (a
text in another script, a bare CSS path) is made of the element's role or tag.
"""

from __future__ import annotations

import re
import unicodedata

from agent.recording.model import Target

__all__ = ["Namer", "slug"]

_MAX_WORDS = 4
_RESERVED = frozenset({"true", "false", "inf", "nan"})


def slug(text: str, *, max_words: int = _MAX_WORDS) -> str:
    """Letters and digits of *text* as snake_case ASCII words (accents dropped), at most
    *max_words*; ``""`` when nothing is left."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"([a-z])([A-Z])", r"\1_\2", plain)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", plain.lower()) if w]
    name = "_".join(words[:max_words])
    if name and name[0].isdigit():
        name = "n" + name
    return name


class Namer:
    """Hands out element names for one draft."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}
        self._taken: set[str] = set()

    def known(self, target: Target) -> str | None:
        """The name this target already has (by any of its selectors), if any."""
        return next((self._by_key[s] for s in target.selectors if s in self._by_key), None)

    def reserve(self, name: str) -> str:
        """A free name starting with *name* (``name``, ``name_2``…), now taken."""
        base = name if name and name not in _RESERVED else f"element_{name}".strip("_")
        candidate, n = base, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{base}_{n}"
        self._taken.add(candidate)
        return candidate

    def name(self, target: Target, *, hint: str | None = None) -> str:
        """The target's name: its earlier one, else *hint*, else words of its test id, name,
        role or tag."""
        chosen = self.known(target)
        if chosen is None:
            chosen = self.reserve(hint or self.words(target) or "element")
        for selector in target.selectors:
            self._by_key.setdefault(selector, chosen)
        return chosen

    @staticmethod
    def words(target: Target) -> str:
        """What the recording says of a target, as a name (may be ``""``)."""
        for source in (target.test_id, target.name):
            if source:
                name = slug(source)
                if name:
                    return name
        for selector in target.selectors:
            found = re.search(r"#([A-Za-z][\w-]*)", selector)
            if found and not selector.startswith(("role=", "text=", "internal:")):
                return slug(found[1])
        return slug(target.role or target.tag or "")
