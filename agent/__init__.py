"""retry-dispute: open marketplace disputes in a real browser, retrying busy submissions.

The public API::

    from agent import RunOptions, build_request, open_dispute
    outcome = open_dispute(build_request(...), RunOptions(site="https://shop.example"))

The package is grouped by stage: ``request`` (the pre-flight), ``site`` (one storefront: its
profile, pages and answers), ``browser`` and ``session``, ``flow`` (policy, journal, one order,
a batch), ``output`` (run folder, report, ticket), ``cli``. See docs/architecture.md.
"""

from agent.api import open_dispute, open_dispute_async
from agent.errors import (
    BrowserNotFound,
    ChallengeShown,
    ClaimLost,
    GaveUp,
    InvalidConfig,
    InvalidEvidence,
    InvalidField,
    InvalidRequest,
    JournalUnavailable,
    LoginRequired,
    NeedsHuman,
    NotEligible,
    OrderClaimed,
    OutputUnwritable,
    RetryDisputeError,
    SessionExpired,
    SiteError,
    UnexpectedPage,
)
from agent.events import AnswerEvent, AttemptEvent, DoneEvent, RunEvent, StepEvent, WaitEvent
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import Outcome, Status
from agent.request import DisputeRequest, PreparedRequest, build_request, load_request_toml
from agent.session import Credentials, Session
from agent.site.profile import SiteProfile, load_profile

__all__ = [
    "AnswerEvent",
    "AttemptEvent",
    "BrowserNotFound",
    "ChallengeShown",
    "ClaimLost",
    "Credentials",
    "DisputeRequest",
    "DoneEvent",
    "GaveUp",
    "InvalidConfig",
    "InvalidEvidence",
    "InvalidField",
    "InvalidRequest",
    "JournalUnavailable",
    "LoginRequired",
    "NeedsHuman",
    "NotEligible",
    "OrderClaimed",
    "Outcome",
    "OutputUnwritable",
    "PreparedRequest",
    "RetryDisputeError",
    "RetryPolicy",
    "RunEvent",
    "RunOptions",
    "Runtime",
    "Session",
    "SessionExpired",
    "SiteError",
    "SiteProfile",
    "Status",
    "StepEvent",
    "UnexpectedPage",
    "WaitEvent",
    "build_request",
    "load_profile",
    "load_request_toml",
    "open_dispute",
    "open_dispute_async",
]
