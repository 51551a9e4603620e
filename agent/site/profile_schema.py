# ruff: noqa: E501 - one key and its text a line: the documentation reads best unwrapped
"""The profile format's keys, each with what it means: the one list the loader and the docs share.

The loader (`agent.site.profile`, `agent.site.flow_rules`) takes the keys a table may hold from
here (`keys`), and `agent.site.profile_docs` writes ``docs/profile-format.md`` from the same
tables, so a key cannot be accepted without being documented. The tables read by modules of
their own (``[answer]``, ``[support_chat]``) are listed here too; a test checks that every key
the loader accepts, there as here, is in this list (tests/unit/test_profile_docs.py).

A key's text starts with its value's type and says when it is required and what its default is.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TABLES", "Table", "keys", "table"]


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the format: its dotted path, how it is written, what it is, its keys."""

    path: str
    #: How a profile writes it: ``[page]``, ``[[form.fields]]``, ``name = {...}``.
    written: str
    what: str
    keys: tuple[tuple[str, str], ...]


_STEP_KEYS = (
    (
        "name",
        "string: the step's name (default `ACTION-ELEMENT`, e.g. `click-next`); unique in its list; `retry.from` names one",
    ),
    (
        "click",
        "element: click it (exactly one action per step: `click`, `fill`, `press` or `wait`)",
    ),
    ("fill", "element: fill it with `text`"),
    ("press", "element: press `key` in it"),
    (
        "wait",
        'element: wait until it shows (or, with `state = "hidden"`, until it is gone), within `timeouts.navigation_s`',
    ),
    (
        "text",
        "string, for `fill`: the text; placeholders `{user}`, `{password}` (login steps), `{order_id}`, `{item}`",
    ),
    ("key", "string, for `press`: a key name, e.g. `Enter`"),
    ("state", "`visible` (default) or `hidden`, for `wait`"),
    (
        "new_page",
        "for `click`: `expected` (a pop-up or a new tab opens: the flow goes on there), `optional`, or `none` (default)",
    ),
    (
        "or_visible",
        "element, with `new_page`: stay on this page when this element shows instead of a new page (a blocked pop-up's fallback)",
    ),
    (
        "navigates",
        "true or false (default), for `click`: the click loads another page in the same tab (a form POST answered by a redirect): its load is waited for",
    ),
    ("dialog", "`accept` or `dismiss`, for `click`: the click opens a JS dialog, answered so"),
    (
        "when",
        "table: the step runs only when every named request field has one of the values: `received` (yes, no), `solution` (refund, return, replacement), `refund` (full, partial), `item` (`given`, `absent`), `reason` (any)",
    ),
    ("if_visible", "element: the step runs only when it shows now"),
    ("if_hidden", "element: the step runs only when it does not show now"),
)

TABLES: tuple[Table, ...] = (
    Table(
        "",
        "top level",
        "The profile file itself.",
        (
            ("name", "string, required: the profile's name"),
            ("description", "string: one line about the store"),
            ("base_url", "http(s) URL, required: the store's address, used when `--site` is not given"),
            ("urls", "table, required: `[urls]`"),
            ("timeouts", "table: `[timeouts]`"),
            ("elements", "table, required: `[elements]`"),
            ("page", "table: `[page]`"),
            ("login", "table: `[login]`"),
            ("order_page", "table, required: `[order_page]`"),
            ("dispute", "table, required: `[dispute]`"),
            ("eligibility", "array of tables: `[[eligibility]]`"),
            ("open", "table, required: `[open]` with `[[open.steps]]`"),
            ("form", "table, required: `[form]` with `[[form.fields]]`"),
            ("submit", "table, required: `[submit]` with `[[submit.steps]]`"),
            ("retry", "table: `[retry]`"),
            ("answer", "table, required: `[answer]`"),
            ("reasons", "array of tables, required: `[[reasons]]`"),
            ("evidence", "table: `[evidence]`"),
            ("support_chat", "table: `[support_chat]`, the support chat (only `retry-dispute support` needs it)"),
            ("check", "table: `[check]`, what `retry-dispute check` may let through"),
            ("follow", "table: `[follow]`, the request's page after the dispute opens (only `retry-dispute follow` needs it)"),
            ("pin", "table: `[pin]`, cookies set before the first page (the interface's language, say)"),
        ),
    ),
    Table(
        "urls",
        "[urls]",
        "The store's pages.",
        (
            ("order", "path, required: an order's page, with `{order_id}` (in the path or the query string), e.g. `/order/{order_id}`"),
            ("login", "path or URL: the page `retry-dispute login` opens (default `/login`)"),
            ("orders", "path or URL: a page only a signed-in person sees (the order list): `retry-dispute login` opens it in a fresh browser with the saved session before it says \"saved\" (default: the page the login ended on, else the login page); signed in means `page.signed_in` shows, or, without it, no login form"),
        ),
    ),
    Table(
        "timeouts",
        "[timeouts]",
        "How long to wait for the site, in seconds (finite numbers above 0).",
        (
            ("navigation_s", "pages to load (default 30)"),
            ("answer_s", "the site's answer to a submission (default 30)"),
            ("screenshot_s", "one screenshot (default 5)"),
            ("popup_s", "a pop-up or a new tab after a click (default 5)"),
            ("step_s", "one step's or one field's element (default 10)"),
            ("upload_s", "evidence that uploads when chosen (default 30)"),
        ),
    ),
    Table(
        "elements",
        "[elements]",
        "Every page element, by a name the rest of the profile uses: `name = \"selector\"` "
        "(a Playwright selector: `data-testid=…`, CSS, `text=…`, `role=…`, `:has-text(…)`; CSS "
        "reaches into open shadow roots by itself), or `name = {selector = \"…\", …}` with the "
        "keys below. `{item}` in a selector is the request's item id (`--item`).",
        (),
    ),
    Table(
        "elements.*",
        "name = {selector = \"…\", scope = \"…\", frame = \"…\"}",
        "One element written as a table.",
        (
            ("selector", "string, or a list of alternatives (the preferred first), required: the Playwright selector; `{item}` is the request's item id"),
            ("scope", "`page` (default), `item` (inside the requested item's line of the order page, `order_page.item_line`) or `form_item` (inside the requested item's row of the form, `form.item_row`)"),
            ("texts", "string or list: only the matches whose whole visible text is one of these (the same button in each of the site's languages)"),
            ("frame", "selector, or a list of selectors from the outer to the inner frame: the `<iframe>` the element is in (default: the form's `form.frame` for the form's elements, else none)"),
        ),
    ),
    Table(
        "page",
        "[page]",
        "What any page may show.",
        (
            ("challenge", "element: a verification challenge (a captcha, a one-time-code page): a person is needed"),
            ("login", "element: the login form (a page, or a sign-in modal)"),
            ("signed_in", "element: shows only when signed in (the account's name); `retry-dispute login` watches for it and checks the saved session with it"),
            ("overlays", "array of tables: `[[page.overlays]]`, closed whenever they get in the way"),
            ("dialogs", "`accept` (default) or `dismiss`: how JS dialogs are answered"),
        ),
    ),
    Table(
        "page.overlays",
        "[[page.overlays]]",
        "Something that covers pages now and then (a promo, a cookie banner).",
        (
            ("element", "element, required: the overlay"),
            ("close", "element, required: what closes it"),
        ),
    ),
    Table(
        "login",
        "[login]",
        "The login form.",
        (
            ("steps", "array of tables: `[[login.steps]]` (steps, below); `{user}` and `{password}` come from `RETRY_DISPUTE_USER` / `RETRY_DISPUTE_PASSWORD`. After them, the login form must be gone and `page.challenge` not shown before the run goes on"),
            ("error", "element: the site's refusal of the login"),
        ),
    ),
    Table("steps", "[[login.steps]], [[open.steps]], [[submit.steps]], [[retry.steps]]", "One step: one action on an element, run in order when its condition holds.", _STEP_KEYS),
    Table(
        "order_page",
        "[order_page]",
        "The order's page.",
        (
            ("ready", "element, required: shows the order is there"),
            ("not_eligible", "element: the notice saying why no dispute can be opened (its text is matched to `[[eligibility]]`)"),
            ("item_line", "selector with `{item}`: one item's line, for elements with `scope = \"item\"`"),
            ("items", "element: every item's line. With it, a request without `--item` on an order of several items is refused on the order page (exit 2, nothing sent), listing the items"),
            ("item_id", "string, with `items`: the attribute of an item's line that holds its id (e.g. `data-item-id`); required with `items`"),
        ),
    ),
    Table(
        "dispute",
        "[dispute]",
        "The dispute that already exists: one definition for the order page, the check before each resubmission and the start-up check after a crash.",
        (
            ("element", "element, required: where the existing dispute shows"),
            ("attribute", "string: read the id from this attribute (e.g. `href`) instead of the visible text"),
            ("pattern", "regular expression, required: the id (its group `dispute_id`, else the whole match); without it the whole sentence would be taken as the id"),
            ("shows_within_s", "seconds (0 or more), required: how long a new dispute may take to show on the order page (0: at once)"),
            ("page", "path: when the store lists requests on a page of their own (\"Your returns\"), that page, with `{order_id}` and `{item}`; `element` may then name the order's row with `{order_id}`/`{item}` in its selector: start-up, every check and recovery read it there"),
        ),
    ),
    Table(
        "eligibility",
        "[[eligibility]]",
        "A phrase of the order page that means no dispute can be opened.",
        (
            ("match", "string, required: the phrase (any case)"),
            ("code", "string, required: our name for it (`protection_ended`)"),
            ("explain", "string, required: plain words for the report and the ticket"),
        ),
    ),
    Table("open", "[open]", "From the order page to the form.", (("steps", "array of tables, required: `[[open.steps]]`"),)),
    Table(
        "form",
        "[form]",
        "The dispute form.",
        (
            ("ready", "element, required: shows the form is there"),
            ("fields", "array of tables: `[[form.fields]]`, in the order they are filled (below)"),
            ("frame", "selector, or a list from the outer frame in: the `<iframe>` the form is in. It applies to the elements of `form.ready`, the fields and the submit steps that set no `frame` of their own; such an element may not also be used outside the form"),
            ("item_row", "selector with `{item}`: the requested item's row in the form, for elements with `scope = \"form_item\"`"),
        ),
    ),
    Table(
        "form.fields",
        "[[form.fields]]",
        "One field of the form: which request value it enters, and how (its kind; the keys of each kind are below).",
        (
            ("name", "string, required: the field's name, unique; the request field it enters when it is one (`received`, `reason`, `solution`, `refund`, `amount`, `message`, `evidence`, `item`)"),
            ("kind", "required: `select`, `dropdown`, `choice`, `radio`, `checkbox`, `cards`, `text`, `amount`, `files`, `items`"),
            ("value", "string: the request field it enters, when `name` is not one (an `items` field enters `item`)"),
            ("when", "table: a condition on the request, as for steps"),
            ("if_visible", "element: filled only when it shows now"),
            ("if_hidden", "element: filled only when it does not show now"),
            ("element", "element: the field (the kinds below say which)"),
            ("options", "table `value = ELEMENT`: radio, cards (`{yes = E, no = E}`, `{refund = E, return = E, replacement = E}`, `{full = E, partial = E}`)"),
            ("on", "string or list, checkbox: the values that mean checked (`[\"yes\"]`)"),
            ("selected", "selector, cards: a selector the chosen card also matches"),
            ("by", "`label` (default) or `value`, select: pick the option by its text or its value"),
            ("option", "element, dropdown: the menu's options"),
            ("shown", "element, dropdown: what shows the choice"),
            ("label", "element, choice: inside a choice, the text that is its label (when a choice also shows a description)"),
            ("checked", "selector, choice: a selector the checked choice also matches (default: the choice is a checked radio or `aria-checked`)"),
            ("done", "element, files: one finished upload"),
            ("refused", "element, files: the upload's error"),
            ("remove", "element, files: an upload's remove button"),
            ("typed", "true (default) or false, text: typed key by key, or set at once"),
            ("min_chars", "whole number, text: the fewest characters the message may have (default 10); the pre-flight checks it"),
            ("max_chars", "whole number, text: the most characters the message may have (default 2000); the pre-flight checks it"),
            ("quantity", "element, items: the quantity input of the requested item's row (`{item}` or `scope = \"form_item\"`); filled with the request's `quantity` (default 1)"),
            ("all", "element, items: every item's tick box, to tick the only one when no item is given, and to list them when there are several"),
            ("item_id", "string, items: the attribute of `all`'s boxes that holds an item's id (default `value`)"),
        ),
    ),
    Table("submit", "[submit]", "Sending the form.", (("steps", "array of tables, required: `[[submit.steps]]` (a wizard's Next, Submit, a confirmation)"),)),
    Table(
        "retry",
        "[retry]",
        "Before a resubmission.",
        (
            ("steps", "array of tables: `[[retry.steps]]`, run before every resubmission (close a notice, wait out a countdown): all of them after a busy answer, only those with `when.if_visible` after another answer the loop resends (a busy notice in a language the profile does not know reads as unknown)"),
            ("kept", "element: shows the form still holds everything: the next attempt starts at `from`"),
            ("from", "string: a submit step's name (`click-ELEMENT` by default, e.g. `click-submit`) the next attempt starts at when `kept` shows; otherwise the form is read back, what the site dropped is refilled, and the submit steps run from the first"),
        ),
    ),
    Table(
        "answer",
        "[answer]",
        "The site's answer to a submission.",
        (
            ("method", "string: the submit request's method (e.g. `POST`)"),
            ("url", "glob: the submit request's URL (`**` any text, `*` any text but `/`); this or `url_pattern`"),
            ("url_pattern", "regular expression: the submit request's URL, instead of `url`"),
            ("body", "test, as in `[answer.json]`, on the request's body (JSON, urlencoded or multipart; a field holding JSON is read into): tells the submission from a side request to the same URL, e.g. GraphQL's `{path = \"operationName\", equals = \"CreateReturn\"}`"),
            ("busy_texts", "string or list: busy, in every language the site speaks"),
            ("json", "table: `[answer.json]`"),
            ("page", "table: `[answer.page]`"),
            ("status", "table: `[answer.status]`"),
        ),
    ),
    Table(
        "answer.json",
        "[answer.json]",
        "Reading the submit response's JSON. Each kind is a test or a list of alternatives (`{all = [...]}` for several at once) on a JSON path (`status`, `data.reverseOrderId`, `ret[0]`, `ret[-1]`, `ret[*]`, `errors[*].extensions.code`). Busy inside an HTTP 200 is busy.",
        (
            ("opened", "test, required: the dispute was opened"),
            ("busy", "test: the site is busy"),
            ("invalid", "test: the site refused the request"),
            ("login", "test: the session is gone"),
            ("challenge", "test: a verification is asked"),
            ("expired", "test: the form expired (its single-use token was spent): it is opened again from the order page and sent again at once"),
            ("dispute_id", "JSON path: the new dispute's id"),
            ("message", "JSON path: the site's message"),
            ("message_pattern", "regular expression: the message inside it (its group `message`)"),
        ),
    ),
    Table(
        "answer.json.*",
        "{path = \"…\", equals = …}",
        "One JSON test: a path and exactly one of the tests below; it holds when ANY value at the path passes.",
        (
            ("path", "JSON path, required"),
            ("equals", "a string, number, boolean or a list of them"),
            ("prefix", "string: the value starts with it"),
            ("contains", "string: the value contains it"),
            ("matches", "regular expression: the value matches it"),
            ("exists", "true or false: a value is (not) at the path"),
            ("all", "list of tests, instead of the keys above: every one must hold"),
        ),
    ),
    Table(
        "answer.page",
        "[answer.page]",
        "When the JSON says nothing (or the answer is a page): the page's elements, read as soon as one shows.",
        (
            ("result", "element: shows the outcome"),
            ("success", "regular expression, with `result`: success (its group `dispute_id`)"),
            ("busy", "element or list: busy notices (a banner, a toast, a modal, an alert)"),
            ("error", "element: the site's refusal"),
            ("expired", "element: says the form expired (\"This form has expired\"): opened again and sent again at once"),
        ),
    ),
    Table(
        "answer.status",
        "[answer.status]",
        "The HTTP status of the submit response.",
        (
            ("busy", "list of codes (default `[429, 503]`)"),
            ("login", "list of codes (default `[401]`)"),
            ("server_error_from", "code (default 500): this and above are server errors"),
        ),
    ),
    Table(
        "reasons",
        "[[reasons]]",
        "The site's reasons, in its words.",
        (
            ("label", "string, required: the site's words"),
            ("received", "true or false, required: for items received or not"),
            ("code", "string: our code for it, when we have one (`damaged`, `not_received`, …)"),
            ("value", "string: its `<select>` value, when picked by value"),
        ),
    ),
    Table(
        "evidence",
        "[evidence]",
        "What the site takes as evidence (judged by content in the pre-flight).",
        (
            ("photo_formats", "list (default `[\"jpeg\", \"png\"]`): photo formats"),
            ("video_formats", "list (default `[\"mp4\", \"mov\"]`): video formats; `[]` for a store that takes no video (its video keys then need not be given)"),
            ("max_files", "whole number (default 6): files a dispute may carry; `0` for a store that takes no evidence (then nothing may be required)"),
            ("max_photo_bytes", "whole number, 1 or more (default 5 MiB)"),
            ("max_video_bytes", "whole number (default 20 MiB); 1 or more when the store takes video"),
            ("photos_required_when_received", "true (default, false when `max_files = 0`) or false: at least one photo when the item was received"),
            ("video_required_reasons", "list of our reason codes (default `[\"does_not_work\"]`, `[]` without video formats or files): they need a video"),
            ("photo_required_reasons", "list of our reason codes (default `[]`): they need a photo, received or not (`[\"damaged\"]`)"),
        ),
    ),
    Table(
        "check",
        "[check]",
        "`retry-dispute check` cannot submit: its browser blocks the answer request and, once logged in, every request that is not a GET, but a field's uploads and those declared harmless here.",
        (("harmless", "array of tables: `[[check.harmless]]`"),),
    ),
    Table(
        "check.harmless",
        "[[check.harmless]]",
        "A request the site sends on its own (a tracker, a beacon) that changes nothing.",
        (
            ("method", "`POST`, `PUT`, `PATCH` or `DELETE` (default: any method but GET)"),
            ("url", "glob: the request's URL (`**` any text, `*` any text but `/`); this or `url_pattern`"),
            ("url_pattern", "regular expression: the request's URL, instead of `url`"),
        ),
    ),
    Table(
        "follow",
        "[follow]",
        "After the dispute opens: the request's page, for `retry-dispute follow` (README, \"The follow profile table\").",
        (
            ("url", "path with `{request_id}`: the request's page"),
            ("open_steps", "array of tables: `[[follow.open_steps]]`, steps from the order page to the request's page"),
            ("ready", "element: the request's page is there"),
            ("state", "element: the texts that say the request's state"),
            ("states", "array of tables: `[[follow.states]]`, the site's phrases to our state codes (first match wins)"),
            ("deadline", "table `{element, attribute = \"datetime\"}` (an ISO 8601 instant) or `{element, pattern}` (a countdown with groups `days`, `hours`, `minutes`, `seconds`)"),
            ("proposal", "table `{element, pattern}`: the store's proposed amount (a group `amount`)"),
            ("requested", "table `{element, pattern}`: the amount asked (a group `amount`)"),
            ("store_says", "element: the store's words"),
            ("responses", "element: each of the shopper's answers on the record (counted)"),
            ("shows_within_s", "seconds: how long an answer may take to show on the page"),
            ("respond", "table: `[follow.respond]`, how to disagree"),
        ),
    ),
    Table(
        "follow.states",
        "[[follow.states]]",
        "One state of the request, in the site's words.",
        (
            ("code", "required: `waiting_store`, `proposed_partial`, `proposed_return`, `refused`, `evidence_requested`, `awaiting_you`, `escalated`, `refund_complete`, `closed_accepted`, `closed_deadline`, `closed_withdrawn` or `closed`"),
            ("match", "string or list, required: the site's phrases, in every language it speaks (any case)"),
        ),
    ),
    Table(
        "follow.respond",
        "[follow.respond]",
        "How to disagree with the store's proposal: its own steps, form, submit steps, retry and answer, written as the dispute's.",
        (
            ("steps", "array of tables: the steps that open the answer's form"),
            ("form", "table: `ready` and `[[fields]]` (a `text` field for the message, a `files` field for the evidence)"),
            ("submit", "table: `[[steps]]` that send the answer"),
            ("retry", "table: `kept`, `from`, `[[steps]]`, as the dispute's `[retry]`"),
            ("answer", "table: in the very format of the dispute's `[answer]` (its `opened` means \"the answer was recorded\")"),
        ),
    ),
    Table(
        "pin",
        "[pin]",
        "What the run's browser context is given before its first page, for the site's host.",
        (("cookies", "array of tables: `[[pin.cookies]]`"),),
    ),
    Table(
        "pin.cookies",
        "[[pin.cookies]]",
        "A cookie set before the first page (e.g. the interface's language, to pin it).",
        (
            ("name", "string, required: the cookie's name"),
            ("value", "string, required: its value"),
            ("path", "string (default `/`)"),
        ),
    ),
    Table(
        "support_chat",
        "[support_chat]",
        "The support chat, for `retry-dispute support` (README, \"The support chat's profile table\").",
        (
            ("path", "path, required: the chat page"),
            ("selectors", "table, required: `[support_chat.selectors]`"),
            ("asks", "array of tables, required: `[[support_chat.asks]]`"),
            ("case_number", "regular expression, required, with a `(?P<case_number>…)` group"),
            ("dropped", "string or list, required: phrases of the closed notice that mean dropped for inactivity"),
            ("idle_counts", "`turn` (default) or `always`: when silence counts"),
            ("idle_s", "seconds (default 180): the site drops a customer silent this long"),
            ("hold_margin_s", "seconds (default 30): the holding message goes this long before the limit"),
            ("queue_timeout_s", "seconds (default 3600): give up the queue"),
            ("max_chat_s", "seconds (default 3600): give up a chat with no case number"),
            ("max_chars", "whole number: characters a message"),
            ("max_images", "whole number: images a message"),
            ("max_image_bytes", "whole number: bytes an image"),
        ),
    ),
    Table(
        "support_chat.selectors",
        "[support_chat.selectors]",
        "The chat page's Playwright selectors.",
        (
            ("start", "required: starts a chat"),
            ("offline", "required: shown while support is offline"),
            ("queue", "required: shown while waiting in the queue"),
            ("queue_position", "the position in the queue"),
            ("closed", "required: shown once the chat is over"),
            ("message", "required: every message"),
            ("operator_message", "required: only the operator's messages"),
            ("message_text", "required: a message's text, inside a message"),
            ("message_time", "the time shown beside a message, inside a message (with the text, it recognises the messages already read when the chat page is rebuilt)"),
            ("typing", "shown while the operator types"),
            ("case_number", "the case number, once given"),
            ("input", "required: the message box"),
            ("attach", "required: the file input for images"),
            ("send", "required: the send button"),
            ("error", "a refusal of what was just sent"),
        ),
    ),
    Table(
        "support_chat.asks",
        "[[support_chat.asks]]",
        "What an operator's message asks (first match wins).",
        (
            ("kind", "required: `order_number`, `screenshots`, `what_happened`, `when`, `attempts`, `error_text` or `none`"),
            ("match", "string or list, required: phrases (any case)"),
        ),
    ),
)  # fmt: skip

_BY_PATH = {t.path: t for t in TABLES}


def table(path: str) -> Table:
    """The table at *path* (``""`` for the top level, ``"page"``, ``"form.fields"``)."""
    return _BY_PATH[path]


def keys(path: str) -> tuple[str, ...]:
    """The keys the table at *path* may hold, in the documented order."""
    return tuple(name for name, _ in _BY_PATH[path].keys)
