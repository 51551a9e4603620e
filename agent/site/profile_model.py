"""A site profile's records: everything specific to one storefront, as data.

`agent.site.profile` loads and checks them from TOML.

A profile names the storefront's URLs and page elements (Playwright selectors), and describes
its flow: the steps to log in, to open the dispute form and to submit it, the form's fields
and their kinds, the reasons the site offers, how to read its answers (the submit request's
JSON, page texts, HTTP status), how to find an existing dispute, where a retry starts,
eligibility phrases, evidence limits and timeouts. Supporting another storefront means
writing a profile, not code; README's "Site profiles" is the guide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from agent.errors import InvalidConfig, InvalidField
from agent.request import DisputeRequest, EvidenceRules, MessageLimits
from agent.request.message import check_length
from agent.request.reasons import SiteReasons
from agent.site.answer_rules import AnswerRules
from agent.site.chat_profile import ChatProfile
from agent.site.check_rules import CheckRules
from agent.site.flow_rules import Field, Step
from agent.site.follow_profile import FollowRules
from agent.site.patterns import BoundedPattern

__all__ = [
    "DisputeRule",
    "Element",
    "Eligibility",
    "FormRules",
    "LoginRules",
    "OrderPageRules",
    "Overlay",
    "PageGates",
    "PinCookie",
    "RetryRules",
    "SiteProfile",
    "Timeouts",
]


Scope = Literal["page", "item", "form_item"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Element:
    """One page element: its key in ``[elements]``, its Playwright selectors, where to look.

    ``selectors`` are alternatives for the same element, the profile's preferred one first
    (README, "Alternatives"): all are watched at once, the first one that shows is used, and a
    run that had to use another than the first says so (``drift`` in result.json).
    """

    name: str
    #: Alternatives, the preferred first; each may hold ``{item}`` (the request's item id).
    selectors: tuple[str, ...]
    #: "item": inside the requested item's line of the order page (when an item is given);
    #: "form_item": inside the requested item's row of the form (``form.item_row``).
    scope: Scope = "page"
    #: Only matches whose whole visible text is one of these (the same label in the site's
    #: interface languages); () for any text.
    texts: tuple[str, ...] = ()
    #: The ``<iframe>`` selectors the element is in, outer first (() for the page itself).
    frame: tuple[str, ...] = ()
    #: The profile entry that put it in that frame (``elements.reason.frame``, ``form.frame``).
    frame_entry: str | None = None

    @property
    def selector(self) -> str:
        """The preferred selector (the first alternative)."""
        return self.selectors[0]

    @property
    def uses_item(self) -> bool:
        """Whether a selector holds ``{item}`` (it needs the request's item)."""
        return any("{item}" in selector for selector in self.selectors)

    def describe(self) -> str:
        """The element's selectors (and texts, and frame) for a message."""
        shown = " | ".join(self.selectors)
        if self.texts:
            shown += " with text " + " | ".join(repr(t) for t in self.texts)
        if self.frame:
            shown += " in frame " + " > ".join(self.frame)
        return shown


@dataclass(frozen=True, slots=True, kw_only=True)
class Overlay:
    """Something that covers pages now and then (a promo, a cookie banner), and its close."""

    element: str
    close: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PageGates:
    """What any page can show: a challenge, a login form, overlays, JS dialogs."""

    challenge: str | None = None
    login: str | None = None
    #: Shows only when logged in (the account's name): `retry-dispute login` watches for it.
    signed_in: str | None = None
    overlays: tuple[Overlay, ...] = ()
    dialogs: Literal["accept", "dismiss"] = "accept"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginRules:
    """The login form: its steps (placeholders {user}, {password}) and its refusal."""

    steps: tuple[Step, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPageRules:
    """The order page: what shows it is there, the ineligibility notice, the item lines."""

    ready: str
    #: The notice that says why no dispute can be opened (its text is matched to [[eligibility]]).
    not_eligible: str | None = None
    #: A selector for one item line, with {item} for the item's id.
    item_line: str | None = None
    #: Every item's line (an element), and the attribute that holds an item's id.
    items: str | None = None
    item_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeRule:
    """The existing dispute's id: one definition for the order page, reconcile and recovery."""

    element: str
    #: Read the id from this attribute (``href``) instead of the element's visible text.
    attribute: str | None
    #: The id: the group ``dispute_id`` if the pattern has one, else the whole match.
    pattern: BoundedPattern
    #: How long a new dispute may take to show on the order page (0: at once).
    shows_within_s: float
    #: The page the order's dispute is listed on, when not the order page: a path with
    #: ``{order_id}`` (and ``{item}``) ("Your returns"); the element may name them too.
    page: str | None = None

    def page_url(self, base_url: str, order_id: str, item: str | None) -> str | None:
        """The URL of the page that lists the order's dispute (None: the order page)."""
        if self.page is None:
            return None
        return base_url.rstrip("/") + self.page.format(order_id=order_id, item=item or "")

    def id_in(self, text: str) -> str | None:
        """The dispute id in a text or attribute value, or None."""
        found = self.pattern.search(text)
        if found is None:
            return None
        return found.group("dispute_id") if "dispute_id" in found.groups else found.text


@dataclass(frozen=True, slots=True, kw_only=True)
class Eligibility:
    """One phrase of the order page that means no dispute can be opened (the same phrase in
    each of the site's interface languages: any of them matches)."""

    matches: tuple[str, ...]
    code: str
    explain: str

    @property
    def match(self) -> str:
        """The phrase in the profile's first language."""
        return self.matches[0]

    def found_in(self, page_text: str) -> bool:
        """Whether the page text holds one of the phrases (case ignored)."""
        folded = page_text.casefold()
        return any(phrase.casefold() in folded for phrase in self.matches)


@dataclass(frozen=True, slots=True, kw_only=True)
class PinCookie:
    """A cookie set in the run's browser context before the first page (``[[pin.cookies]]``):
    e.g. the site's interface language pinned to English, so screenshots are in the English
    support reads."""

    name: str
    value: str
    path: str = "/"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormRules:
    """The dispute form: what shows it is ready, and its fields in order."""

    ready: str
    fields: tuple[Field, ...]
    #: The iframe selectors the form is in, outer first (the elements carry it: `Element.frame`).
    frame: tuple[str, ...] = ()
    #: A selector for the requested item's row in the form, with {item}.
    item_row: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryRules:
    """After a busy answer: steps (close a notice), and where the next attempt starts."""

    steps: tuple[Step, ...] = ()
    #: Visible when the form still holds everything entered: resubmit from `from_step`.
    kept: str | None = None
    from_step: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """How long to wait for the site, in seconds."""

    navigation_s: float = 30.0
    answer_s: float = 30.0
    screenshot_s: float = 5.0
    #: For a pop-up or a new tab after a click.
    popup_s: float = 5.0
    #: For the element of one step or field.
    step_s: float = 10.0
    #: For evidence that uploads when chosen.
    upload_s: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteProfile:
    """One storefront, as its profile describes it."""

    name: str
    description: str
    base_url: str
    login_path: str
    order_path: str
    #: A page only a signed-in person sees (the order list), or None.
    orders_path: str | None
    elements: Mapping[str, Element]
    page: PageGates
    login: LoginRules
    order_page: OrderPageRules
    dispute: DisputeRule
    eligibility: tuple[Eligibility, ...]
    open_steps: tuple[Step, ...]
    form: FormRules
    submit_steps: tuple[Step, ...]
    retry: RetryRules
    answer: AnswerRules
    reasons: SiteReasons
    evidence: EvidenceRules
    timeouts: Timeouts
    source: str
    #: The support chat (``[support_chat]``, agent/site/chat_profile.py), None when the profile
    #: describes none.
    support_chat: ChatProfile | None = None
    #: What ``retry-dispute check`` may let through (``[check]``, agent/site/check_rules.py).
    check: CheckRules = field(default_factory=CheckRules)
    #: After the dispute opens (``[follow]``, agent/site/follow_profile.py), None when the
    #: profile describes none.
    follow: FollowRules | None = None
    #: Cookies set before the first page (``[[pin.cookies]]``): the interface pinned.
    pin_cookies: tuple[PinCookie, ...] = ()

    def order_url(self, order_id: str, *, base_url: str | None = None) -> str:
        """The URL of an order's page."""
        base = (base_url or self.base_url).rstrip("/")
        return base + self.order_path.format(order_id=order_id)

    def login_url(self, *, base_url: str | None = None) -> str:
        """The URL of the login page."""
        if self.login_path.startswith(("http://", "https://")):
            return self.login_path
        return (base_url or self.base_url).rstrip("/") + self.login_path

    def signed_in_url(self, *, base_url: str | None = None) -> str:
        """A page that shows whether a session is signed in: ``urls.orders``, else the login's."""
        path = self.orders_path
        if path is None:
            return self.login_url(base_url=base_url)
        if path.startswith(("http://", "https://")):
            return path
        return (base_url or self.base_url).rstrip("/") + path

    @property
    def message_limits(self) -> MessageLimits:
        """How many characters the form's message field takes (its ``min_chars``/``max_chars``)."""
        for one in self.form.fields:
            if one.value == "message" and one.limits is not None:
                return one.limits
        return MessageLimits()

    def uses_items(self) -> bool:
        """Whether the profile can act on one item of an order (item lines, rows, fields)."""
        return (
            self.order_page.item_line is not None
            or self.order_page.items is not None
            or self.form.item_row is not None
            or any(f.kind == "items" for f in self.form.fields)
            or any(e.uses_item for e in self.elements.values())
        )

    def explain_ineligible(self, page_text: str) -> Eligibility | None:
        """Return the eligibility rule whose phrase the page shows, if any."""
        for rule in self.eligibility:
            if rule.found_in(page_text):
                return rule
        return None

    def check_request(self, request: DisputeRequest) -> None:
        """Pre-flight against this site: its reasons for the received answer, its item lines,
        and a ``[dispute]`` pattern that would take the order's own id for a dispute's."""
        if self.dispute.id_in(request.order_id) is not None:
            raise InvalidConfig(
                f"dispute.pattern of profile {self.source} matches the order id "
                f"{request.order_id} itself: every order page would seem to show a dispute",
                key="dispute.pattern",
                hint="anchor the pattern on what surrounds the dispute's id, e.g. "
                "'Dispute (?P<dispute_id>D-[0-9]+)'",
            )
        names = self.reasons.names(request.received)
        if self.reasons.reasons and request.reason not in names:
            answer = "yes" if request.received else "no"
            raise InvalidField(
                f"{request.reason!r} is not a reason {self.name} offers when received is {answer}",
                field="reason",
                hint=f"use one of: {', '.join(names)}",
            )
        fields = {f.value: f for f in self.form.fields}
        if request.refund == "partial" and "amount" not in fields:
            raise InvalidField(
                f"a partial refund, but the {self.name} form has no amount field",
                field="refund",
                hint="ask for a full refund, or add an amount field to the profile",
            )
        if request.evidence and "evidence" not in fields:
            raise InvalidField(
                f"files given, but the {self.name} form takes none",
                field="evidence",
                hint="leave them out, or add a files field to the profile",
            )
        solution = fields.get("solution")
        if request.solution != "refund" and (
            solution is None or request.solution not in dict(solution.options)
        ):
            raise InvalidField(
                f"the {self.name} form offers no {request.solution!r} solution",
                field="solution",
                hint="ask for a refund, or add that option to the profile's solution field",
            )
        if request.item is not None and not self.uses_items():
            raise InvalidField(
                f"the {self.name} profile does not describe items",
                field="item",
                hint="leave the item out, or describe the items in the profile "
                "(order_page.item_line, order_page.items, an items field)",
            )
        items = fields.get("item")
        if request.quantity != 1 and (items is None or items.quantity is None):
            raise InvalidField(
                f"a quantity of {request.quantity}, but the {self.name} form asks for none",
                field="quantity",
                hint="leave the quantity out, or add an items field with a quantity to the profile",
            )
        check_length(request.message, self.message_limits)
