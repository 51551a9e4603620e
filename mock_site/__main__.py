"""``python -m mock_site [--skin mock|aliexpress] --port P [--faults FILE]``: serve on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Mapping, Sequence

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


def serve(
    *,
    port: int = DEFAULT_PORT,
    faults: FaultPlan | Mapping[str, object] | str | os.PathLike[str] | None = None,
    skin: Skin | str = "mock",
    login_port: int | None = None,
) -> None:
    """Serve the storefront on 127.0.0.1 until interrupted.

    ``faults`` is a plan, a mapping of fault keys, or the path of a .toml/.json file
    (ValueError or OSError when it cannot be used). The aliexpress skin also serves its login
    origin on ``login_port`` (default: ``port + 1``); OSError when a port is taken.
    """
    chosen = check_skin(skin)
    store = Store(faults=_plan(faults, chosen), skin=chosen)
    if chosen == "mock":
        uvicorn.run(create_app(store), host=HOST, port=port, log_level="info")
        return
    socks = [_listen(port)]
    try:
        socks.append(_listen(port + 1 if login_port is None else login_port))
    except OSError:
        socks[0].close()
        raise
    ports = [sock.getsockname()[1] for sock in socks]
    site = create_aliexpress_site(store, storefront_port=ports[0], login_port=ports[1], host=HOST)
    print(f"mock_site: aliexpress skin on http://{HOST}:{ports[0]}/, login on :{ports[1]}")
    uvicorn.Server(uvicorn.Config(site, log_level="info")).run(sockets=socks)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; 2 for a bad fault file or option, 1 for a taken port."""
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
    args = parser.parse_args(argv)
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
