"""A recording cut in the order a dispute is opened, and what each action is.

The **login** is the fills before the form (and what came between them), then the press or
click that sent the last; the **opening** is the clicks from there to the form; the **form** is
the actions that enter a request value (a ``<select>``, a combobox and its option, a radio, a
long text, a number, files); **after** it come the submit steps, the answers and the order page
again. The order's id is the run of digits the recording's URLs hold most (or the one given);
its page's URL is the first URL holding it, the id as ``{order_id}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from agent.errors import InvalidConfig
from agent.recording.ids import order_ids_in, urls_within
from agent.recording.model import Action, Recording, Target
from agent.recording.naming import slug

__all__ = [
    "OPTION_ROLES",
    "Phases",
    "clean",
    "cut",
    "is_message",
    "option_word",
    "order_url",
    "origin_of",
    "same_site",
    "target_word",
]

#: The words of a radio's label or test id that say which request value it enters.
_OPTION_WORDS: dict[str, str] = {
    "yes": "received",
    "no": "received",
    "refund": "solution",
    "return": "solution",
    "full": "refund",
    "partial": "refund",
}
_DROPDOWN_ROLES = frozenset({"combobox", "listbox"})
OPTION_ROLES = frozenset({"option", "menuitem", "menuitemradio"})


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are of one host (ports aside: a local storefront moves)."""
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()


def order_url(recording: Recording, order_id: str | None) -> tuple[str, str, str]:
    """(the order id, the site's origin, the order page's path with ``{order_id}``) from the
    URLs the recording opened; InvalidConfig when none holds an order id."""
    urls = urls_within(
        [a.value for a in recording.actions if a.kind == "goto"]
        + [a.navigated_to for a in recording.actions if a.navigated_to]
    )
    found = order_ids_in(urls)
    if order_id is None:
        if not found:
            raise InvalidConfig(
                "never opens an order page (none of its URLs holds an order id)",
                source=recording.source,
                hint="record from the order's page (log in, open the order, open the dispute "
                "form, fill it in), or give the order with --order ID",
            )
        order_id = found.most_common(1)[0][0]
    for url in urls:
        template = _template(url, order_id)
        if template is not None:
            return order_id, origin_of(url), template
    raise InvalidConfig(
        f"never opens order {order_id} (no URL of it holds that id)",
        source=recording.source,
        hint="give the id of the order the recording opened (--order), or record opening it",
    )


def _template(url: str, order_id: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme.startswith("http"):
        return None
    marked = f"/{order_id}"
    path, query = parts.path, parts.query
    if order_id in path.split("/") or marked + "." in path:
        path = path.replace(order_id, "{order_id}", 1)
    elif any(v == order_id for v in (p.partition("=")[2] for p in query.split("&"))):
        query = "&".join(
            f"{p.partition('=')[0]}={{order_id}}" if p.partition("=")[2] == order_id else p
            for p in query.split("&")
        )
    else:
        return None
    return path + (f"?{query}" if query else "")


def is_message(text: str) -> bool:
    return len(text) >= 10 and any(c.isspace() for c in text.strip())


def _is_amount(text: str) -> bool:
    digits = text.replace(",", ".").strip()
    return bool(digits) and digits.replace(".", "", 1).isdigit()


def option_word(name: str | None, test_id: str | None) -> tuple[str, str] | None:
    """(request field, value) the words of a radio's label or test id say: ``received-no`` ->
    (received, no); ``Refund only`` -> (solution, refund)."""
    for source in (name, test_id):
        for word in slug(source or "", max_words=8).split("_"):
            if word in _OPTION_WORDS:
                return _OPTION_WORDS[word], word
    return None


def target_word(target: Target) -> tuple[str, str] | None:
    """(request field, value) a target's label or test id says (`option_word`)."""
    return option_word(target.name, target.test_id)


def _is_field(action: Action, following: Action | None) -> bool:
    """Whether an action enters a request value into the form."""
    target = action.target
    if action.kind in ("select", "check", "files"):
        return True
    if action.kind == "fill":
        return is_message(action.value) or _is_amount(action.value)
    if action.kind != "click" or target is None:
        return False
    if target.role in _DROPDOWN_ROLES or target.role in OPTION_ROLES:
        return True
    if target.role == "radio" or target.input_type == "radio":
        return True
    if target.tag == "input" and target_word(target) is not None:
        return True  # a radio (Chrome does not say its type): its label says yes, no, ...
    return (
        following is not None
        and following.kind == "click"
        and following.target is not None
        and following.target.role in OPTION_ROLES
    )


def clean(actions: tuple[Action, ...]) -> list[Action]:
    """Without the focus clicks (a click on a field just before typing into it)."""
    out: list[Action] = []
    for index, action in enumerate(actions):
        following = actions[index + 1] if index + 1 < len(actions) else None
        if (
            action.kind == "click"
            and following is not None
            and following.kind in ("fill", "select", "files", "press", "check")
            and following.target is not None
            and action.target is not None
            and following.target.shares(action.target)
        ):
            continue
        out.append(action)
    return out


@dataclass(slots=True)
class Phases:
    """The recording cut in the order a dispute is opened."""

    login: list[Action] = field(default_factory=list)
    opening: list[Action] = field(default_factory=list)
    form: list[Action] = field(default_factory=list)
    after: list[Action] = field(default_factory=list)
    form_page: str = ""
    order_page: str = ""


def cut(actions: list[Action], source: str) -> Phases:
    """Cut the (cleaned) actions into login, opening, form and what came after."""
    fields = [
        i
        for i, a in enumerate(actions)
        if _is_field(a, actions[i + 1] if i + 1 < len(actions) else None)
    ]
    if not fields:
        raise InvalidConfig(
            "never reaches a dispute form (nothing was chosen, ticked or typed into a form "
            "after the order page)",
            source=source,
            hint="record the whole flow: open the order, open the dispute form, and fill it in "
            "(choose the reason, type the message) before you stop",
        )
    first, last = fields[0], fields[-1]
    # a dropdown's option click belongs to the form too
    while last + 1 < len(actions) and _is_field(
        actions[last + 1], actions[last + 2] if last + 2 < len(actions) else None
    ):
        last += 1
    phases = Phases(form_page=actions[first].page)
    fills = [i for i in range(first) if actions[i].kind == "fill"]
    login_end = 0
    if fills:
        # the fills and what came between them, then the press or click that sent the last
        login_end = fills[-1] + 1
        if login_end < first and actions[login_end].kind in ("press", "click"):
            login_end += 1
        phases.login = [a for a in actions[fills[0] : login_end] if a.kind != "goto"]
    phases.order_page = actions[login_end].page if login_end < first else phases.form_page
    phases.opening = [a for a in actions[login_end:first] if a.kind in ("click", "press")]
    phases.form = [a for a in actions[first : last + 1] if a.kind != "goto"]
    phases.after = actions[last + 1 :]
    return phases
