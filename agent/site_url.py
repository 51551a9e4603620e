"""The site's URL, checked: http(s), a host that can be looked up, a valid port, no credentials.

A user name or password inside the URL (``https://user:pw@shop.example``) is refused, never
stripped and kept: it would reach the journal, the logs and the run folder, and the session
comes from ``retry-dispute login`` or the environment (``RETRY_DISPUTE_USER``,
``RETRY_DISPUTE_PASSWORD``) instead. The refusal never repeats the password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from agent.errors import InvalidConfig

__all__ = ["check_site_url", "shown_url"]

_EXAMPLE = "pass e.g. --site https://shop.example"


def shown_url(url: str) -> str:
    """*url* as it may be printed: any user name and password replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    return f"{scheme}{sep}{netloc}{slash}{tail}"


def check_site_url(url: str) -> str:
    """The site's base URL without a trailing slash; InvalidConfig (one line) when it is wrong."""
    shown = shown_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:  # a port that is not a number or above 65535, a broken [IPv6]
        raise InvalidConfig(f"--site {shown!r} is not a valid URL ({exc})", hint=_EXAMPLE) from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidConfig(f"--site {shown!r} is not an http(s) URL", hint=_EXAMPLE)
    if parts.username is not None or parts.password is not None:
        raise InvalidConfig(
            f"--site {shown!r} holds a user name or password",
            hint="drop it from the URL: log in with `retry-dispute login`, or set "
            "RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
        )
    if port == 0:
        raise InvalidConfig(f"--site {shown!r} has port 0", hint=_EXAMPLE)
    try:
        host.encode("idna")
    except UnicodeError:
        raise InvalidConfig(f"--site {shown!r} has an invalid host name", hint=_EXAMPLE) from None
    if any(ch.isspace() or ord(ch) < 32 for ch in host):
        raise InvalidConfig(f"--site {shown!r} has an invalid host name", hint=_EXAMPLE)
    return url.rstrip("/")
