"""retry-dispute: open marketplace disputes in a real browser, retrying busy submissions.

The public API::

    from agent import DisputeRequest, RetryPolicy, open_dispute
    outcome = open_dispute(request, site="https://shop.example", policy=RetryPolicy())
"""

from agent.api import Session, open_dispute, open_dispute_async
from agent.errors import (
    AmbiguousAnswer,
    ChallengeShown,
    GaveUp,
    InvalidConfig,
    InvalidEvidence,
    InvalidField,
    InvalidRequest,
    LoginRequired,
    NeedsHuman,
    NotEligible,
    RetryDisputeError,
    SessionExpired,
    SiteBusy,
    SiteError,
    UnexpectedPage,
)
from agent.pages import Credentials
from agent.policy import RetryPolicy
from agent.profile import SiteProfile, load_profile
from agent.request import DisputeRequest, PreparedRequest, build_request, load_request_toml
from agent.run import Outcome

__all__ = [
    "AmbiguousAnswer",
    "ChallengeShown",
    "Credentials",
    "DisputeRequest",
    "GaveUp",
    "InvalidConfig",
    "InvalidEvidence",
    "InvalidField",
    "InvalidRequest",
    "LoginRequired",
    "NeedsHuman",
    "NotEligible",
    "Outcome",
    "PreparedRequest",
    "RetryDisputeError",
    "RetryPolicy",
    "Session",
    "SessionExpired",
    "SiteBusy",
    "SiteError",
    "SiteProfile",
    "UnexpectedPage",
    "build_request",
    "load_profile",
    "load_request_toml",
    "open_dispute",
    "open_dispute_async",
]
