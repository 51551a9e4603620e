"""``python -m mock_site --port P [--faults FILE]``: serve the storefront on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

import uvicorn

from mock_site.app import create_app
from mock_site.faults import FaultPlan, load_fault_file, parse_fault_plan
from mock_site.store import Store

__all__ = ["HOST", "main", "serve"]

HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(
    *,
    port: int = DEFAULT_PORT,
    faults: FaultPlan | Mapping[str, object] | str | os.PathLike[str] | None = None,
) -> None:
    """Serve the storefront on 127.0.0.1 until interrupted.

    ``faults`` is a plan, a mapping of fault keys, or the path of a .toml/.json file
    (ValueError or OSError when it cannot be used).
    """
    if faults is None or isinstance(faults, FaultPlan):
        plan = faults
    elif isinstance(faults, Mapping):
        plan = parse_fault_plan(faults)
    else:
        plan = load_fault_file(faults)
    app = create_app(Store(faults=plan))
    uvicorn.run(app, host=HOST, port=port, log_level="info")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; 2 for a bad fault file."""
    parser = argparse.ArgumentParser(
        prog="python -m mock_site", description="Serve the bundled mock storefront on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    parser.add_argument("--faults", metavar="FILE", help="fault plan, .toml or .json")
    args = parser.parse_args(argv)
    plan = None
    if args.faults:
        try:
            plan = load_fault_file(args.faults)
        except (OSError, ValueError) as error:
            print(f"mock_site: bad fault file {args.faults}: {error}", file=sys.stderr)
            return 2
    serve(port=args.port, faults=plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
