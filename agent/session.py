"""How to reach a logged-in session: a saved storage state, login credentials, a browser.

A storage-state file holds cookies: it is checked before anything starts (a bad file sends
nothing), its cookie values are registered as secrets (never shown in a log line), and it is never
copied into a run folder. Credentials come from the environment only, never from flags.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agent.browser import BrowserTarget
from agent.errors import InvalidConfig
from agent.log import add_secret

__all__ = [
    "PASSWORD_ENV",
    "USER_ENV",
    "Credentials",
    "Session",
    "check_storage_state",
    "credentials_from_env",
    "write_private",
]

USER_ENV = "RETRY_DISPUTE_USER"
PASSWORD_ENV = "RETRY_DISPUTE_PASSWORD"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login for the storefront's form; from the environment only, never from flags."""

    user: str
    password: str

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
        add_secret(password)
        return Credentials(user, password)
    return None


def check_storage_state(path: Path) -> Path:
    """Refuse a storage-state file that is missing, unreadable or not Playwright's JSON."""
    hint = "log in again with `retry-dispute login --site URL --save-session FILE`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidConfig(f"storage-state file {path} does not exist", hint=hint) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidConfig(
            f"storage-state file {path} cannot be read ({type(exc).__name__})", hint=hint
        ) from None
    except json.JSONDecodeError:
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
    for cookie in data.get("cookies", []):  # never shown in a log line, whatever its shape
        if isinstance(cookie, dict) and isinstance(cookie.get("value"), str):
            add_secret(cookie["value"])
    return path


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
