"""How to reach a logged-in session: a saved storage state, login credentials, a browser.

A storage-state file holds cookies: it is checked before anything starts (a bad file sends
nothing), its cookie values are registered as secrets (never shown in a log line), and it is never
copied into a run folder. Credentials come from the environment only, never from flags.

Playwright's storage state carries cookies and localStorage, not sessionStorage, where some
sites keep their login token. `retry-dispute login` saves it too, under the file's own
``"sessionStorage"`` key (``[{"origin": ..., "items": [{"name": ..., "value": ...}]}]``, which
Playwright ignores), and `restore_session_storage` puts it back in every page of a context
opened with that file (an init script: before the site's own scripts run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from agent.browser import BrowserTarget
from agent.errors import InvalidConfig
from agent.redaction import add_secret
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = [
    "PASSWORD_ENV",
    "SESSION_STORAGE",
    "USER_ENV",
    "Credentials",
    "Session",
    "capture_session_storage",
    "check_storage_state",
    "credentials_from_env",
    "restore_session_storage",
    "session_storage_script",
    "write_private",
]

USER_ENV = "RETRY_DISPUTE_USER"
PASSWORD_ENV = "RETRY_DISPUTE_PASSWORD"
#: The storage-state file's key for the sessionStorage `retry-dispute login` saved.
SESSION_STORAGE = "sessionStorage"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login for the storefront's form; from the environment only, never from flags."""

    user: str
    _password: str

    @property
    def password(self) -> str:
        """The password, registered as a secret as it is read: the one place a password
        becomes one, so whatever uses it (a login form, the support chat's refusals) finds it
        masked in every log line, file and console line from then on."""
        add_secret(self._password)
        return self._password

    def __repr__(self) -> str:  # never show the password, even in a traceback
        return f"Credentials(user={self.user!r}, password='[redacted]')"


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """How to reach a logged-in browser session."""

    storage_state: Path | None = None
    credentials: Credentials | None = None
    browser: BrowserTarget = field(default_factory=BrowserTarget)


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials for a login form, from RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD only."""
    env = os.environ if env is None else env
    user, password = env.get(USER_ENV), env.get(PASSWORD_ENV)
    if user and password:
        return Credentials(user, password)
    return None


#: The largest storage-state file read (a session with much local storage).
MAX_STATE_BYTES = 16 << 20
_SAME_SITE = ("Strict", "Lax", "None")


def _cookie_problem(cookie: object) -> str | None:
    """What is wrong with one cookie of a storage state, in a few words, or None."""
    if not isinstance(cookie, dict):
        return "is not an object"
    for key in ("name", "value"):
        if not isinstance(cookie.get(key), str):
            return f'has no "{key}" string'
    if not cookie["name"]:
        return "has an empty name"
    if not (isinstance(cookie.get("domain"), str) and cookie["domain"]) and not isinstance(
        cookie.get("url"), str
    ):
        return 'has no "domain" (nor "url")'
    if "path" in cookie and not isinstance(cookie["path"], str):
        return '"path" is not a string'
    expires = cookie.get("expires", -1)
    if isinstance(expires, bool) or not isinstance(expires, int | float) or expires != expires:
        return '"expires" is not a number'
    for key in ("httpOnly", "secure"):
        if key in cookie and not isinstance(cookie[key], bool):
            return f'"{key}" is not true or false'
    if "sameSite" in cookie and cookie["sameSite"] not in _SAME_SITE:
        return '"sameSite" is not Strict, Lax or None'
    return None


def _origin_problem(origin: object) -> str | None:
    """What is wrong with one origin of a storage state, or None."""
    if not isinstance(origin, dict) or not isinstance(origin.get("origin"), str):
        return 'is not an object with an "origin" string'
    items = origin.get("localStorage", [])
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("value"), str)
        for i in items
    ):
        return 'has a "localStorage" that is not a list of name/value strings'
    return None


def check_storage_state(path: Path) -> Path:
    """Refuse a storage-state file that is missing, unreadable or not Playwright's JSON.

    Read by `agent.user_files.read_user_text` (a regular file, at most 16 MiB, UTF-8, not nested
    too deep); every cookie and origin is checked, so a malformed entry is one line here, not a
    browser error in the middle of a run.
    """
    hint = "log in again with `retry-dispute login --site URL --save-session FILE`"
    try:
        text = read_user_text(path, limit=MAX_STATE_BYTES)
        check_nesting(text, syntax="json")
    except UnreadableFile as exc:
        if exc.what == "no such file":
            raise InvalidConfig(f"storage-state file {path} does not exist", hint=hint) from None
        raise InvalidConfig(f"storage-state file {path} {exc.what}", hint=hint) from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidConfig(f"storage-state file {path} is not valid JSON", hint=hint) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("cookies", []), list)
        or not isinstance(data.get("origins", []), list)
        or not ({"cookies", "origins"} & set(data))
    ):
        raise InvalidConfig(
            f"storage-state file {path} is not a Playwright storage state", hint=hint
        )
    for n, cookie in enumerate(data.get("cookies", []), 1):
        problem = _cookie_problem(cookie)
        if problem:
            raise InvalidConfig(f"storage-state file {path}: cookie {n} {problem}", hint=hint)
    for n, origin in enumerate(data.get("origins", []), 1):
        problem = _origin_problem(origin)
        if problem:
            raise InvalidConfig(f"storage-state file {path}: origin {n} {problem}", hint=hint)
    stored = data.get(SESSION_STORAGE, [])
    if not isinstance(stored, list):
        raise InvalidConfig(
            f"storage-state file {path}: {SESSION_STORAGE} is not a list", hint=hint
        )
    for n, origin in enumerate(stored, 1):
        problem = _origin_problem(
            {**origin, "localStorage": origin.get("items", [])}
            if isinstance(origin, dict)
            else origin
        )
        if problem:
            problem = problem.replace('"localStorage"', '"items"')
            raise InvalidConfig(
                f"storage-state file {path}: {SESSION_STORAGE} {n} {problem}", hint=hint
            )
    for cookie in data.get("cookies", []):  # never shown in a log line
        add_secret(cookie["value"])
    for origin in stored:  # a login token kept in sessionStorage is a secret as well
        for item in origin.get("items", []):
            add_secret(item["value"])
    return path


_READ_SESSION_STORAGE = """() => [location.origin,
  Array.from({length: sessionStorage.length}, (_, i) => {
    const name = sessionStorage.key(i); return [name, sessionStorage.getItem(name)];
  })]"""


async def capture_session_storage(context: BrowserContext) -> list[dict[str, Any]]:
    """The sessionStorage of the context's open pages (web origins only), as the file keeps it."""
    by_origin: dict[str, dict[str, str]] = {}
    for page in context.pages:
        try:
            origin, items = await page.evaluate(_READ_SESSION_STORAGE)
        except PlaywrightError:  # a page that closed or navigates: nothing to keep of it
            continue
        if isinstance(origin, str) and origin.startswith(("http://", "https://")) and items:
            by_origin.setdefault(origin, {}).update({str(k): str(v) for k, v in items})
    return [
        {"origin": origin, "items": [{"name": k, "value": v} for k, v in items.items()]}
        for origin, items in by_origin.items()
    ]


def session_storage_script(stored: list[dict[str, Any]]) -> str | None:
    """The init script that puts *stored* back in each page of its origin (None: nothing)."""
    wanted = {
        str(o["origin"]): {str(i["name"]): str(i["value"]) for i in o.get("items", [])}
        for o in stored
        if isinstance(o, dict) and o.get("items")
    }
    if not wanted:
        return None
    return (
        "(() => { const saved = " + json.dumps(wanted) + "[location.origin];"
        " if (!saved) return;"
        " for (const [name, value] of Object.entries(saved))"
        "   if (sessionStorage.getItem(name) === null) sessionStorage.setItem(name, value);"
        "})();"
    )


async def restore_session_storage(context: BrowserContext, state: Path | None) -> None:
    """Put the sessionStorage a storage-state file saved back in every page of *context*.

    Each page of the file's origins starts with the saved items (an item the site already set
    in that tab is left as it is); a file without sessionStorage changes nothing.
    """
    if state is None:
        return
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # checked before the run: gone since, nothing to restore
        return
    stored = data.get(SESSION_STORAGE) if isinstance(data, dict) else None
    script = session_storage_script(stored) if isinstance(stored, list) else None
    if script is not None:
        await context.add_init_script(script)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)  # in case the file existed with wider permissions
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
