"""The dispute request and its pre-flight: check and normalise everything before a browser starts.

The storefront (docs/storefront.md) silently drops non-Latin letters from the message, refuses
hidden characters and typographic quotes, wants a final ``.``/``!``/``?``, a decimal point in the
amount and evidence files whose *content* is JPEG/PNG or MP4/MOV. Every one of those rules is
anticipated here by pure functions (no browser, no network): a bad request fails in a second with
one line saying what to fix (`InvalidField`, `InvalidEvidence`, `InvalidConfig`; exit 2) instead of
after a browser run, and what can be fixed without changing the meaning is fixed and reported as a
`Normalisation`.

One module per concern: `model` (the records and codes), `message`, `amount`, `evidence` (files
judged by content), `build` (the whole request from raw values), `loading` (request TOML files),
`batch_file` (a batch of requests from TOML or CSV). ``received``, ``reason``, ``solution`` and
``refund`` are matched after trimming and lower-casing.
"""

from agent.request.amount import normalise_amount
from agent.request.build import build_request
from agent.request.evidence import EvidenceRules, check_evidence, sniff_format
from agent.request.loading import load_request_toml, request_from_mapping
from agent.request.message import MessageLimits, check_message, normalise_message
from agent.request.model import (
    MESSAGE_MAX_CHARS,
    MESSAGE_MIN_CHARS,
    NOT_RECEIVED_REASONS,
    RECEIVED_REASONS,
    REFUNDS,
    REQUEST_KEYS,
    SOLUTIONS,
    DisputeRequest,
    EvidenceFile,
    EvidenceKind,
    Normalisation,
    PreparedRequest,
    RefundKind,
    Solution,
)

__all__ = [
    "MESSAGE_MAX_CHARS",
    "MESSAGE_MIN_CHARS",
    "NOT_RECEIVED_REASONS",
    "RECEIVED_REASONS",
    "REFUNDS",
    "REQUEST_KEYS",
    "SOLUTIONS",
    "DisputeRequest",
    "EvidenceFile",
    "EvidenceKind",
    "EvidenceRules",
    "MessageLimits",
    "Normalisation",
    "PreparedRequest",
    "RefundKind",
    "Solution",
    "build_request",
    "check_evidence",
    "check_message",
    "load_request_toml",
    "normalise_amount",
    "normalise_message",
    "request_from_mapping",
    "sniff_format",
]
