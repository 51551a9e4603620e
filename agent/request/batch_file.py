"""A batch of requests from one file: TOML ``[[request]]`` tables or a CSV with a header row.

The CSV's header row names the request fields (``order_id,item,quantity,received,reason,
solution,refund,amount,message,evidence``; evidence files separated by ``;``; an empty cell means
the field is not given). Cells are separated by commas, or by semicolons (as a spreadsheet
writes where the decimal mark is a comma) or tabs when the header holds no comma. Every row is
checked up front by the request pre-flight, so a bad row is refused naming the file, the row
and the key before anything is sent; so is an order id that appears twice.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.errors import InvalidConfig, InvalidRequest
from agent.request.evidence import EvidenceRules
from agent.request.loading import request_from_mapping
from agent.request.message import MessageLimits
from agent.request.model import REQUEST_KEYS, PreparedRequest
from agent.request.reasons import SiteReasons
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = ["BatchItem", "load_batch", "parse_batch_csv", "parse_batch_toml"]

_CSV_LIST_SEPARATOR = ";"
#: The largest batch file read (tens of thousands of orders).
MAX_BATCH_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One checked request of a batch file, with where it came from (``row 3``, ``request 2``)."""

    where: str
    prepared: PreparedRequest


# --- the batch file -------------------------------------------------------------------------


def _check_rows(
    rows: Iterable[tuple[str, Mapping[str, object] | InvalidRequest]],
    *,
    source: str,
    base_dir: Path,
    rules: EvidenceRules | None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> list[BatchItem]:
    """Check every row; raise the first error (all of them in ``context["errors"]``)."""
    items: list[BatchItem] = []
    errors: list[InvalidRequest] = []
    seen: dict[str, str] = {}
    for where, data in rows:
        if isinstance(data, InvalidRequest):  # a row that could not even be read
            errors.append(data)
            continue
        try:
            prepared = request_from_mapping(
                data,
                base_dir=base_dir,
                rules=rules,
                source=f"{source} {where}",
                reasons=reasons,
                message_limits=message_limits,
            )
        except InvalidRequest as err:
            errors.append(err)
            continue
        order = prepared.request.order_key
        if order in seen:
            errors.append(
                InvalidConfig(
                    f"order {order} is already in {seen[order]}",
                    key="order_id",
                    source=f"{source} {where}",
                    hint="give each order once per batch",
                )
            )
            continue
        seen[order] = where
        items.append(BatchItem(where, prepared))
    if errors:
        first = errors[0]
        first.context["errors"] = [str(e) for e in errors]
        raise first
    if not items:
        raise InvalidConfig(
            "holds no request",
            source=source,
            hint="add one [[request]] table (TOML) or one row under the header (CSV)",
        )
    return items


def parse_batch_toml(
    text: str,
    *,
    source: str,
    base_dir: Path,
    rules: EvidenceRules | None = None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> list[BatchItem]:
    """Check a TOML batch: ``[[request]]`` tables with the request's keys."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(
            f"is not valid TOML ({exc})",
            source=source,
            hint="fix the syntax: one [[request]] table per order",
        ) from None
    for key in data:
        if key != "request":
            raise InvalidConfig(
                f'unknown key "{key}"',
                key=key,
                source=source,
                hint="a batch file holds only [[request]] tables",
            )
    tables = data.get("request", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InvalidConfig(
            '"request" is not a list of tables',
            key="request",
            source=source,
            hint="write each order as a [[request]] table",
        )
    return _check_rows(
        ((f"request {i}", t) for i, t in enumerate(tables, 1)),
        source=source,
        base_dir=base_dir,
        rules=rules,
        reasons=reasons,
        message_limits=message_limits,
    )


def _delimiter(text: str) -> str:
    """The file's cell separator, read from its header: ``,``, or ``;`` (what a spreadsheet
    writes where the decimal mark is a comma) or a tab when the header has no comma."""
    header = text.split("\n", 1)[0]
    if "," not in header:
        for other in (";", "\t"):
            if other in header:
                return other
    return ","


def _csv_rows(text: str, *, source: str) -> list[tuple[str, Mapping[str, object] | InvalidRequest]]:
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidConfig(
            f"is not valid CSV ({exc})", source=source, hint="fix the header row"
        ) from None
    if not header or not any(cell.strip() for cell in header):
        raise InvalidConfig(
            "has no header row",
            source=source,
            hint=f"start with the field names: {','.join(REQUEST_KEYS)}",
        )
    names = [cell.strip() for cell in header]
    for column, name in enumerate(names, 1):
        if name not in REQUEST_KEYS:
            raise InvalidConfig(
                f'unknown column "{name}" (column {column} of the header)',
                key=name,
                source=source,
                hint=f"the columns are: {', '.join(REQUEST_KEYS)}",
            )
        if names.index(name) != column - 1:
            raise InvalidConfig(
                f'column "{name}" appears twice in the header',
                key=name,
                source=source,
                hint="keep one",
            )
    rows: list[tuple[str, Mapping[str, object] | InvalidRequest]] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise InvalidConfig(
                f"row {start} is not valid CSV ({exc})",
                source=source,
                hint="check the quotes in that row",
            ) from None
        if cells is None:
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        where = f"row {start}"
        if len(cells) > len(names):
            rows.append(
                (
                    where,
                    InvalidConfig(
                        f"{where} has {len(cells)} cells but the header has {len(names)}",
                        source=source,
                        hint="quote cells that hold a "
                        + {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter],
                    ),
                )
            )
            continue
        row: dict[str, object] = {}
        for name, cell in zip(names, cells, strict=False):
            value = cell.strip()
            if not value:
                continue
            if name == "evidence":
                row[name] = [p.strip() for p in value.split(_CSV_LIST_SEPARATOR) if p.strip()]
            else:
                row[name] = value
        rows.append((where, row))
    return rows


def parse_batch_csv(
    text: str,
    *,
    source: str,
    base_dir: Path,
    rules: EvidenceRules | None = None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> list[BatchItem]:
    """Check a CSV batch: a header row of request keys, then one order per row."""
    rows = _csv_rows(text, source=source)
    return _check_rows(
        rows,
        source=source,
        base_dir=base_dir,
        rules=rules,
        reasons=reasons,
        message_limits=message_limits,
    )


def load_batch(
    path: Path,
    *,
    rules: EvidenceRules | None = None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> list[BatchItem]:
    """Read and check a batch file (``.toml`` or ``.csv``); evidence paths are relative to it."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise InvalidConfig(
            "is neither .toml nor .csv",
            source=source,
            hint="name the batch file FILE.toml ([[request]] tables) or FILE.csv",
        )
    try:
        text = read_user_text(path, limit=MAX_BATCH_BYTES)
        if suffix == ".toml":
            check_nesting(text, syntax="toml")
    except UnreadableFile as exc:
        hint = "check the --batch path" if exc.what == "no such file" else exc.hint
        raise InvalidConfig(exc.what, source=source, hint=hint) from None
    parse = parse_batch_toml if suffix == ".toml" else parse_batch_csv
    return parse(
        text,
        source=source,
        base_dir=path.parent,
        rules=rules,
        reasons=reasons,
        message_limits=message_limits,
    )
