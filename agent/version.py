"""The tool's version, as the installed package says (``retry-dispute --version``, the report)."""

from __future__ import annotations

from importlib import metadata

__all__ = ["tool_version"]


def tool_version() -> str:
    """The installed package's version ("unknown" when run from a bare source tree)."""
    try:
        return metadata.version("retry-dispute")
    except metadata.PackageNotFoundError:
        return "unknown"
