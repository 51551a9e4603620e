"""Where and how a run is made, and what a person does about a login page in that set-up.

`run_context` is recorded in ``result.json`` (``context``) and shown at the top of the report: the
site, the profile, the session mode, the retry policy, the command line and the tool's version.
`login_hint` says what to do about a login page for the session mode in use: with ``--cdp-url``,
log in inside that Chrome; with a saved session, save it again.
"""

from __future__ import annotations

from agent.flow.settings import RunSettings
from agent.session import Session
from agent.version import tool_version

__all__ = ["login_hint", "run_context", "session_mode"]


def login_hint(session: Session, site: str) -> str | None:
    """What a person does about a login page, for the session mode in use (None: the default)."""
    if session.browser.cdp_url:
        return (
            f"log in to the site (and solve any verification) inside that Chrome, the one at "
            f"--cdp-url {session.browser.cdp_url}, then run again"
        )
    if session.storage_state is not None:
        return (
            f"the saved session {session.storage_state} is logged out: log in again with "
            f"`retry-dispute login --site {site} --save-session {session.storage_state}`, "
            "then run again"
        )
    return None


def session_mode(session: Session) -> str:
    """How the run reaches a logged-in site, in words (result.json's context, the report)."""
    if session.browser.cdp_url:
        return f"a running Chrome over CDP ({session.browser.cdp_url})"
    where = (
        f"a Playwright server ({session.browser.ws_endpoint})"
        if session.browser.ws_endpoint
        else "a browser it launched"
    )
    if session.storage_state is not None:
        return f"saved session {session.storage_state.name}, in {where}"
    if session.credentials is not None:
        return f"login form with RETRY_DISPUTE_USER, in {where}"
    return f"no session, in {where}"


def run_context(settings: RunSettings) -> dict[str, object]:
    """Where and how the run is made: recorded in result.json, shown at the top of the report."""
    policy = settings.policy
    return {
        "site": settings.site,
        "profile": settings.profile.name,
        "session": session_mode(settings.options.session),
        "policy": {
            "max_attempts": policy.max_attempts,
            "deadline_s": policy.deadline_s,
            "initial_wait_s": policy.initial_wait_s,
            "max_wait_s": policy.max_wait_s,
            "multiplier": policy.multiplier,
            "jitter_floor": policy.jitter_floor if policy.jitter else 1.0,
        },
        "command": list(settings.options.command) or None,
        "version": tool_version(),
        "trace": settings.options.trace,
    }
