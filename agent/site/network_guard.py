"""The network guard of ``retry-dispute check``: a walk that can never submit, whatever it clicks.

`NetworkGuard` routes every request of the check's browser context (pop-ups and new tabs
included) and aborts:

- the profile's answer request (`agent.site.answer_rules.SubmitRequest`: method, URL and the
  request matcher), always, so nothing reaches the submit endpoint whatever a step or a field
  clicks;
- once logged in, every other request to the site that is not a GET, except those the field
  being filled needs (a ``files`` field's uploads) and those the profile declares harmless
  (``[[check.harmless]]``, `agent.site.check_rules`).

Each abort is recorded with what the walk was doing when it was sent (``form.fields[3]
(solution)``, ``open.steps[2] (open-dispute)``): `Blocked.line` says it in one line, and the check
exits non-zero. "The site" is the ``--site`` host and the hosts of its domain (the same last two
labels: ``login.shop.example`` for ``www.shop.example``); other sites' requests (a CDN, an analytics
service) are left alone, except the answer request, blocked wherever it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Route
from playwright.async_api import Error as PlaywrightError

from agent.log import get_logger
from agent.site.profile_model import SiteProfile

__all__ = ["Blocked", "NetworkGuard", "site_domain"]

log = get_logger("agent.check")


def site_domain(host: str) -> str:
    """The domain whose hosts count as the site: the host's last two labels (an IP: itself)."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if host.replace(".", "").isdigit() or ":" in host or len(labels) <= 2:
        return host
    return ".".join(labels[-2:])


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True, slots=True)
class Blocked:
    """A request the guard aborted, and what the walk was doing when it was sent."""

    method: str
    url: str
    #: The profile's answer request (a submission), or another request that is not a GET.
    submit: bool
    #: The step or field that was running (``form.fields[3] (solution)``).
    by: str

    @property
    def line(self) -> str:
        """What happened, in one line."""
        if self.submit:
            return (
                f"{self.by} sent the submit request: this element submits the form "
                f"(blocked: {self.method} {_path(self.url)}; nothing reached the site)"
            )
        return (
            f"{self.by} sent {self.method} {_path(self.url)} (blocked): a walk that never submits "
            "sends nothing but GET requests; if the site needs this one and it changes nothing, "
            "declare it in [[check.harmless]]"
        )


class NetworkGuard:
    """Aborts what a check must not send; the walk tells it what it is doing (`doing`)."""

    def __init__(self, profile: SiteProfile, *, site_url: str) -> None:
        self.profile = profile
        self.domain = site_domain(urlsplit(site_url).hostname or "")
        #: What the walk is doing now: the step or field whose requests these are.
        self.doing = "loading the order page"
        #: Other requests than GET are blocked from the login on (the login form posts).
        self.logged_in = False
        #: True while a field that uploads (``files``) is filled: its requests may go.
        self.uploading = False
        self.blocked: list[Blocked] = []

    def _on_site(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return host == self.domain or host.endswith("." + self.domain)

    def verdict(self, method: str, url: str, body: bytes | None = None) -> Blocked | None:
        """The block a request gets now, or None when it may go.

        *body* is the request's body, for the answer request's body matcher (``[answer] body``):
        a request that may be the submission is named so; a side request to the same URL is
        blocked all the same, being a POST to the site after the login.
        """
        if self.profile.answer.request.matches(method, url, body):
            return Blocked(method.upper(), url, submit=True, by=self.doing)
        if method.upper() in ("GET", "HEAD", "OPTIONS") or not self.logged_in:
            return None
        if self.uploading or not self._on_site(url):
            return None
        if self.profile.check.is_harmless(method, url):
            return None
        return Blocked(method.upper(), url, submit=False, by=self.doing)

    async def _route(self, route: Route) -> None:
        request = route.request
        try:
            blocked = self.verdict(request.method, request.url, request.post_data_buffer)
        except Exception as exc:  # the guard fails closed: what it cannot judge is not sent
            log.warning("agent.check_guard_failed", error=f"{type(exc).__name__}: {exc}"[:200])
            blocked = Blocked(request.method.upper(), request.url, submit=False, by=self.doing)
        try:
            if blocked is None:
                await route.fallback()
                return
            self.blocked.append(blocked)
            log.info(  # the check prints every block at its end: no console line now
                "agent.check_blocked",
                method=blocked.method,
                url=blocked.url,
                submit=blocked.submit,
                by=blocked.by,
            )
            await route.abort("blockedbyclient")
        except PlaywrightError:  # the page or context is closing: nothing is sent either way
            return

    async def install(self, context: BrowserContext) -> None:
        """Route every request of *context* (its pop-ups and tabs too) through the guard."""
        await context.route("**/*", self._route)
