"""``retry-dispute run``: one request (or a batch) against a site or the bundled storefront."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.api import Session, check_storage_state, open_dispute_async, run_sync
from agent.browser import browser_target
from agent.cli import DEMO_FAULTS, DEMO_POLICY, DEMO_REQUEST, check_site, credentials_from_env
from agent.errors import InvalidConfig
from agent.log import configure_logging
from agent.pages import Credentials
from agent.policy import RetryPolicy
from agent.profile import SiteProfile, load_profile
from agent.progress import Progress, ticking_sleep
from agent.request import PreparedRequest, build_request, load_request_toml
from agent.run import Outcome

__all__ = [
    "command_run",
    "console_progress",
    "policy_from_args",
    "print_outcome",
    "request_from_args",
    "trace_mode",
]

_FLAG_FIELDS = ("order", "received", "reason", "solution", "refund", "amount", "message")


def _given(args: argparse.Namespace) -> bool:
    return any(getattr(args, name) not in (None, []) for name in (*_FLAG_FIELDS, "evidence"))


def request_from_args(
    args: argparse.Namespace, profile: SiteProfile, *, demo: bool
) -> PreparedRequest:
    """The request from --request, the flags, or (demo only, nothing given) the demo request."""
    if args.request is not None:
        if _given(args):
            raise InvalidConfig(
                "give either --request FILE or the request flags, not both",
                hint="drop the flags or the file",
            )
        return load_request_toml(args.request, rules=profile.evidence)
    if demo and not args.order:
        values = dict(DEMO_REQUEST)
    elif not args.order:
        raise InvalidConfig(
            "no request given", hint="pass --request FILE.toml or --order ID with its flags"
        )
    else:
        values = {
            "order_id": args.order,
            "received": args.received,
            "reason": args.reason,
            "solution": args.solution or "refund",
            "refund": args.refund or "full",
            "amount": args.amount,
            "message": args.message,
            "evidence": args.evidence,
        }
        if demo:  # against the bundled storefront, fill what is missing from the demo request
            values = {
                k: (DEMO_REQUEST[k] if v in (None, []) and k != "evidence" else v)
                for k, v in values.items()
            }
        missing = [k for k in ("received", "reason", "message") if values.get(k) in (None, "")]
        if missing:
            raise InvalidConfig(
                f"--{missing[0]} is required with --order",
                hint="pass it, or use --request FILE.toml",
            )
    return build_request(rules=profile.evidence, **values)


def policy_from_args(args: argparse.Namespace, *, demo: bool) -> RetryPolicy:
    """RetryPolicy defaults, the demo's short waits, then the flags."""
    values: dict[str, Any] = dict(DEMO_POLICY) if demo else {}
    for flag, name in (
        ("max_attempts", "max_attempts"),
        ("deadline", "deadline_s"),
        ("initial_wait", "initial_wait_s"),
        ("max_wait", "max_wait_s"),
    ):
        value = getattr(args, flag)
        if value is not None:
            values[name] = value
    return RetryPolicy(**values)


def _load_faults(path: Path | None) -> dict[str, Any]:
    if path is None:
        return dict(DEMO_FAULTS)
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise InvalidConfig(
            f"fault plan {path} cannot be read ({exc})", hint="fix the file"
        ) from None


@contextlib.contextmanager
def _storefront(args: argparse.Namespace) -> Iterator[str | None]:
    """Start the bundled storefront when no --site was given; yield the site URL."""
    if args.site:
        yield check_site(args.site)
        return
    from mock_site.testing import StorefrontServer

    faults = _load_faults(args.faults)
    with StorefrontServer() as server:
        try:
            server.set_faults(faults)
        except Exception as exc:
            raise InvalidConfig(
                f"the storefront refused the fault plan: {exc}", hint="fix --faults"
            ) from None
        print(
            f"retry-dispute: bundled storefront at {server.url} (demo account demo/demo), "
            f"fault plan {json.dumps(faults)}",
            file=sys.stderr,
        )
        yield server.url


def print_outcome(outcome: Outcome, *, stream: Any = None) -> None:
    """The summary a person reads: what happened and where the evidence is."""
    out = stream or sys.stdout
    noun = "attempt" if outcome.attempts == 1 else "attempts"
    print(f"{outcome.status}: {outcome.message}", file=out)
    if outcome.hint:
        print(f"  what to do: {outcome.hint}", file=out)
    print(
        f"  order {outcome.order_id}, {outcome.attempts} {noun}, {outcome.elapsed_s:.1f} s, "
        f"exit code {outcome.exit_code}",
        file=out,
    )
    if outcome.run_dir is not None:
        print(
            f"  evidence: {outcome.run_dir}/ ({len(outcome.screenshots)} screenshots; "
            f"open {outcome.run_dir / 'report.html'})",
            file=out,
        )


def trace_mode(args: argparse.Namespace, *, demo: bool) -> str:
    """--trace, else retain-on-failure on the bundled storefront and off for a real site.

    A Playwright trace records cookies and what was typed (the login form's password too) and
    cannot be redacted, so it is only kept for a real site when asked for.
    """
    if args.trace is not None:
        return str(args.trace)
    return "retain-on-failure" if demo else "off"


def console_progress(args: argparse.Namespace, policy: RetryPolicy) -> Progress:
    """A live line per order on a terminal (logs show warnings only), else plain lines."""
    progress = Progress(stream=sys.stderr, max_attempts=policy.max_attempts)
    if progress.live and args.log_format == "console":
        configure_logging(fmt="console", level="warning")
    return progress


def command_run(args: argparse.Namespace) -> int:
    demo = not args.site
    if not demo and args.faults:
        raise InvalidConfig(
            "--faults only applies to the bundled storefront", hint="drop --site or --faults"
        )
    profile = load_profile(args.profile)
    if args.batch is not None:
        from agent.batch import command_batch

        return command_batch(args, profile, demo=demo)
    batch_only = [flag for flag, value in (("--concurrency", args.concurrency),
                                           ("--retry-rate", args.retry_rate)) if value is not None]
    if batch_only:
        raise InvalidConfig(
            f"{' and '.join(batch_only)} only apply to a batch",
            hint="add --batch FILE, or drop them for a single order",
        )
    prepared = request_from_args(args, profile, demo=demo)
    policy = policy_from_args(args, demo=demo)
    credentials: Credentials | None = credentials_from_env()
    if demo and credentials is None:
        credentials = Credentials("demo", "demo")
    if args.storage_state is not None:  # before anything starts: a bad file sends nothing
        check_storage_state(args.storage_state)
    session = Session(
        storage_state=args.storage_state,
        credentials=credentials,
        browser=browser_target(
            executable=args.browser_path,
            headless=not args.headed,
            cdp_url=args.cdp_url,
            ws_endpoint=args.ws_endpoint,
        ),
    )
    progress = console_progress(args, policy)
    with _storefront(args) as site:
        outcome = run_sync(
            open_dispute_async(
                prepared,
                site=site,
                profile=profile,
                policy=policy,
                session=session,
                out_dir=args.out,
                trace=trace_mode(args, demo=demo),
                state_dir=args.state_dir,
                on_event=progress,
                sleep=ticking_sleep(progress),
            )
        )
    print_outcome(outcome)
    return outcome.exit_code
