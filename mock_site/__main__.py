"""``python -m mock_site [--skin mock|aliexpress] --port P [--faults FILE]``: serve on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable, Mapping, Sequence

import uvicorn

from mock_site.aliexpress import create_aliexpress_site
from mock_site.app import create_app
from mock_site.faults import FaultPlan, load_fault_file, parse_fault_plan
from mock_site.skins import SKINS, Skin, check_skin
from mock_site.store import Store

__all__ = ["HOST", "main", "serve"]

HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _plan(
    faults: FaultPlan | Mapping[str, object] | str | os.PathLike[str] | None, skin: Skin
) -> FaultPlan | None:
    if faults is None or isinstance(faults, FaultPlan):
        return faults
    if isinstance(faults, Mapping):
        return parse_fault_plan(faults, skin=skin)
    return load_fault_file(faults, skin=skin)


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    return sock


#: Told the storefront's URL (and the login origin's, for the aliexpress skin) once it listens.
Ready = Callable[[str, str | None], None]


def _announce(url: str, login_url: str | None) -> None:
    login = f", login on {login_url}" if login_url else ""
    print(f"mock_site: storefront on {url}{login}", flush=True)


def serve(
    *,
    port: int = DEFAULT_PORT,
    faults: FaultPlan | Mapping[str, object] | str | os.PathLike[str] | None = None,
    skin: Skin | str = "mock",
    login_port: int | None = None,
    log_level: str = "info",
    ready: Ready | None = None,
) -> None:
    """Serve the storefront on 127.0.0.1 until interrupted.

    ``faults`` is a plan, a mapping of fault keys, or the path of a .toml/.json file
    (ValueError or OSError when it cannot be used). The aliexpress skin also serves its login
    origin on ``login_port`` (default: ``port + 1``; with port 0, any free port); OSError when a
    port is taken. Once every port listens, ``ready`` is told the URLs (by default they are
    printed); ``log_level`` is uvicorn's.
    """
    chosen = check_skin(skin)
    store = Store(faults=_plan(faults, chosen), skin=chosen)
    socks = [_listen(port)]
    try:
        if chosen == "aliexpress":
            default = port + 1 if port else 0  # port 0: any free port, for both
            socks.append(_listen(default if login_port is None else login_port))
    except OSError:
        socks[0].close()
        raise
    ports = [sock.getsockname()[1] for sock in socks]
    app = (
        create_app(store)
        if chosen == "mock"
        else create_aliexpress_site(store, storefront_port=ports[0], login_port=ports[1], host=HOST)
    )
    (ready or _announce)(
        f"http://{HOST}:{ports[0]}/", f"http://{HOST}:{ports[1]}/" if len(ports) > 1 else None
    )
    uvicorn.Server(uvicorn.Config(app, log_level=log_level)).run(sockets=socks)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m mock_site``."""
    parser = argparse.ArgumentParser(
        prog="python -m mock_site", description="Serve the bundled mock storefront on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    parser.add_argument("--faults", metavar="FILE", help="fault plan, .toml or .json")
    parser.add_argument(
        "--skin", choices=SKINS, default="mock", help="storefront shape (default mock)"
    )
    parser.add_argument(
        "--login-port", type=int, help="aliexpress skin: port of the login origin (default PORT+1)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; 2 for a bad fault file or option, 1 for a taken port."""
    args = build_parser().parse_args(argv)
    if args.login_port is not None and args.skin != "aliexpress":
        print("mock_site: --login-port is for --skin aliexpress only", file=sys.stderr)
        return 2
    plan = None
    if args.faults:
        try:
            plan = load_fault_file(args.faults, skin=args.skin)
        except (OSError, ValueError) as error:
            print(f"mock_site: bad fault file {args.faults}: {error}", file=sys.stderr)
            return 2
    try:
        serve(port=args.port, faults=plan, skin=args.skin, login_port=args.login_port)
    except OSError as error:
        print(f"mock_site: cannot listen on {HOST}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
