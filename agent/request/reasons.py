"""A site's list of dispute reasons: its labels, which answer each is for, and our codes for them.

A profile (``[[reasons]]``) gives the reasons the site offers: the label in the site's words,
whether it is for an item that was received or not, and, when we have one, our code for it. A
site can offer reasons we have no code for; a request may then name the reason by its label.
The pre-flight checks a request against this list (`agent.request.build`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SiteReason", "SiteReasons", "fold"]


def fold(text: str) -> str:
    """A label or code as compared: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteReason:
    """One reason the site offers."""

    #: The site's own words, as its form shows them (in its first language).
    label: str
    #: For an item that was received (True) or not (False).
    received: bool
    #: Our code for it (DESIGN.md), when we have one.
    code: str | None = None
    #: The site's value for it in a native ``<select>``, when the form picks by value.
    value: str | None = None
    #: The same reason in the site's other interface languages (its form may show any of them).
    translations: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the site may show for this reason: `label` first, then its translations."""
        return (self.label, *self.translations)

    def has_label(self, text: str) -> bool:
        """Whether *text* is one of this reason's labels (case and spacing ignored)."""
        wanted = fold(text)
        return any(fold(label) == wanted for label in self.labels)

    @property
    def key(self) -> str:
        """What a checked request holds: our code, else the site's label."""
        return self.code or self.label


@dataclass(frozen=True, slots=True)
class SiteReasons:
    """The site's reasons, in the order its form lists them."""

    reasons: tuple[SiteReason, ...]

    def find(self, name: str) -> SiteReason | None:
        """The reason whose code or one of whose labels is *name* (case and spacing ignored),
        or None."""
        wanted = fold(name)
        for reason in self.reasons:
            if (reason.code is not None and fold(reason.code) == wanted) or reason.has_label(name):
                return reason
        return None

    def for_received(self, received: bool) -> tuple[SiteReason, ...]:
        """The reasons offered for that answer to "did you receive the item?"."""
        return tuple(r for r in self.reasons if r.received is received)

    def names(self, received: bool) -> tuple[str, ...]:
        """What a request may say for that answer: each reason's code, else its label."""
        return tuple(r.key for r in self.for_received(received))
