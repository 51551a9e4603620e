"""The bundled storefront, for the demo, the scenario catalogue and ``mock-site``.

The one place the agent reaches into ``mock_site``, and only when a command asks for it: the
agent itself never depends on the test storefront.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from agent.errors import InvalidConfig
from agent.session import Credentials
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = [
    "bundled_skins",
    "bundled_storefront",
    "command_mock_site",
    "command_scenario",
    "demo_credentials",
    "demo_policy",
    "demo_request",
    "mock_site_banner",
]


def demo_request() -> Mapping[str, object]:
    """The demo's request (order 1001, not received)."""
    from mock_site.demo import DEMO_REQUEST

    return DEMO_REQUEST


def demo_policy() -> Mapping[str, float]:
    """The demo's short waits."""
    from mock_site.demo import DEMO_POLICY

    return DEMO_POLICY


def demo_credentials() -> Credentials:
    """The bundled storefront's demo account."""
    from mock_site.demo import DEMO_ACCOUNT

    return Credentials(*DEMO_ACCOUNT)


def bundled_skins() -> tuple[str, ...]:
    """The bundled storefront's skins: a profile of the same name drives each."""
    from mock_site.skins import SKINS

    return tuple(SKINS)


def _load_faults(path: Path | None, skin: str) -> dict[str, Any]:
    if path is None:
        from mock_site.demo import DEMO_FAULTS_BY_SKIN

        return dict(DEMO_FAULTS_BY_SKIN[skin])
    syntax: Literal["json", "toml"] = "json" if path.suffix == ".json" else "toml"
    try:
        text = read_user_text(path)
        check_nesting(text, syntax=syntax)
    except UnreadableFile as exc:
        raise InvalidConfig(f"fault plan {path} {exc.what}", hint=exc.hint) from None
    try:
        data = json.loads(text) if syntax == "json" else tomllib.loads(text)
    except ValueError as exc:
        raise InvalidConfig(
            f"fault plan {path} cannot be read ({exc})", hint="fix the file"
        ) from None
    if not isinstance(data, dict):
        raise InvalidConfig(f"fault plan {path} does not hold a table", hint="fix the file")
    return data


#: Says what was started: (line for people, the fault plan).
Announce = Callable[[str, Mapping[str, Any]], None]


@contextlib.contextmanager
def bundled_storefront(
    faults: Path | None, announce: Announce, *, skin: str = "mock"
) -> Iterator[str]:
    """Serve the bundled storefront (the skin of that name) on a free port with a fault plan;
    yield its URL."""
    from mock_site.testing import StorefrontServer

    if skin not in bundled_skins():
        raise InvalidConfig(
            f"the {skin} profile has no bundled storefront (those are: "
            f"{', '.join(bundled_skins())})",
            hint="give the site with --site URL",
        )
    plan = _load_faults(faults, skin)
    with StorefrontServer(skin=skin) as server:
        try:
            server.set_faults(plan)
        except Exception as exc:
            raise InvalidConfig(
                f"the storefront refused the fault plan: {exc}", hint="fix --faults"
            ) from None
        announce(
            f"bundled storefront at {server.url} ({skin} skin, demo account demo/demo), "
            f"fault plan {json.dumps(plan)}",
            plan,
        )
        yield server.url


def command_scenario(args: argparse.Namespace) -> int:
    """``retry-dispute scenario PATH…``: the scenario catalogue against the bundled storefront."""
    from mock_site.scenarios import command_scenario as run_catalogue

    return run_catalogue(args)


def command_mock_site(args: argparse.Namespace) -> int:
    """``retry-dispute mock-site``: serve the bundled storefront on 127.0.0.1."""
    from mock_site.__main__ import serve

    skin = str(getattr(args, "skin", "mock"))
    if skin not in bundled_skins():
        raise InvalidConfig(
            f"--skin {skin}: no such storefront skin (those are: {', '.join(bundled_skins())})",
            hint="give one of them, e.g. --skin aliexpress",
        )
    plan = _load_faults(args.faults, skin) if args.faults is not None else None  # read safely

    def banner(url: str, login_url: str | None) -> None:
        print(mock_site_banner(url, login_url, skin=skin, plan=plan), flush=True)

    try:
        serve(port=args.port, faults=plan, skin=skin, log_level="warning", ready=banner)
    except OSError as exc:
        raise InvalidConfig(
            f"cannot serve the storefront on 127.0.0.1:{args.port}: "
            f"{(exc.strerror or str(exc)).lower()}",
            hint="give another port with --port (make mock-site PORT=…), or stop what uses it",
        ) from None
    except ValueError as exc:
        raise InvalidConfig(
            f"fault plan {args.faults}: {exc}", hint="fix the file (see docs/storefront.md)"
        ) from None
    return 0


def mock_site_banner(
    url: str, login_url: str | None, *, skin: str, plan: Mapping[str, Any] | None
) -> str:
    """What ``mock-site`` says once it listens: where, the demo account, how to set faults."""
    from mock_site.demo import DEMO_ACCOUNT  # the bundled storefront's own account, shown

    user, password = DEMO_ACCOUNT
    lines = [
        f"bundled storefront ({skin} skin) on {url}",
        *([f"  its login pages: {login_url}"] if login_url else []),
        f"  demo account: {user} / {password}",
        f"  fault plan: {json.dumps(dict(plan)) if plan else 'none (a healthy site)'}",
        "  faults: start it with --faults FILE (make mock-site FAULTS=file.toml), or",
        "    while it runs (every key: docs/storefront.md):",
        f"    curl -X PUT {url}__mock/faults -d '{{\"busy_first\": 3}}'",
        "  Ctrl-C stops it",
    ]
    return "\n".join(lines)
