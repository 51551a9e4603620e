"""Batch runs: ``retry-dispute run --batch FILE [--concurrency N]``.

The batch file is a TOML list of ``[[request]]`` tables, or a CSV file whose header row names the
same fields (``order_id,received,reason,solution,refund,amount,message,evidence``; evidence files
separated by ``;``; an empty cell means the field is not given). Every row is checked up front by
the request pre-flight, so a bad row is refused naming the file, the row and the key before
anything is sent; so is an order id that appears twice.

The orders then run in one browser, each in its own context, at most *concurrency* at a time,
sharing one retry budget (`agent.budget.RetryBudget`: resubmissions across the whole batch are
limited to a rate, so a site busy for everyone is not hammered once per order). Output goes to
``<out>/batch-<YYYYmmdd-HHMMSS>/``: one run folder per order, ``summary.json``, ``index.html``
linking each order's report, and a table on the console.

Exit code of a batch: 0 when every order ended ``opened`` or ``already_open``; otherwise the code
of the most urgent status among the orders, in this order of precedence:
``5`` needs a person (the session or a challenge blocks every order) > ``1`` unexpected error >
``2`` invalid (the site refused a request) > ``4`` gave up (run the batch again later: orders
already opened come back as ``already_open``) > ``3`` not eligible (nothing to do). A bad batch
file is exit 2 before anything runs.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import io
import json
import os
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from playwright.async_api import Browser, async_playwright

from agent.api import Session, open_dispute_async
from agent.browser import browser_target, connect
from agent.budget import DEFAULT_BURST, DEFAULT_RATE, RetryBudget
from agent.errors import InvalidConfig, InvalidRequest
from agent.evidence import new_run_folder
from agent.journal import Journal
from agent.log import get_logger
from agent.pages import OrderPage, arm_page
from agent.policy import RetryPolicy
from agent.profile import SiteProfile
from agent.request import REQUEST_KEYS, EvidenceRules, PreparedRequest, request_from_mapping
from agent.run import STATUS_EXIT, Outcome, result_dict

__all__ = [
    "BATCH_TRACE",
    "DEFAULT_CONCURRENCY",
    "EXIT_PRECEDENCE",
    "BatchItem",
    "BatchResult",
    "batch_exit_code",
    "command_batch",
    "format_table",
    "load_batch",
    "new_batch_dir",
    "parse_batch_csv",
    "parse_batch_toml",
    "print_batch",
    "run_batch",
    "summary_dict",
    "write_summary",
]

log = get_logger("agent.batch")

#: Orders at once when --concurrency is not given; see docs/performance.md for the measurement.
DEFAULT_CONCURRENCY = 4
#: A batch records no Playwright trace unless --trace says so: recording one (which
#: retain-on-failure must do for every order) cost 0.7-2.3 s per order in docs/performance.md;
#: screenshots, log.jsonl and report.html are kept for every order all the same.
BATCH_TRACE = "off"
#: Non-zero exit codes, most urgent first: the batch exits with the first one any order has.
EXIT_PRECEDENCE: tuple[int, ...] = (5, 1, 2, 4, 3)
_CSV_LIST_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One checked request of a batch file, with where it came from (``row 3``, ``request 2``)."""

    where: str
    prepared: PreparedRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchResult:
    """How a batch ended: every order's outcome in file order, and where the output is."""

    batch_dir: Path
    outcomes: tuple[Outcome, ...]
    elapsed_s: float
    concurrency: int
    exit_code: int
    budget: dict[str, Any] | None = None


# --- the batch file -------------------------------------------------------------------------


def _check_rows(
    rows: Iterable[tuple[str, Mapping[str, object]]], *, source: str, base_dir: Path,
    rules: EvidenceRules | None,
) -> list[BatchItem]:
    """Check every row; raise the first error (all of them in ``context["errors"]``)."""
    items: list[BatchItem] = []
    errors: list[InvalidRequest] = []
    seen: dict[str, str] = {}
    for where, data in rows:
        try:
            prepared = request_from_mapping(data, base_dir=base_dir, rules=rules,
                                            source=f"{source} {where}")
        except InvalidRequest as err:
            errors.append(err)
            continue
        order = prepared.request.order_id
        if order in seen:
            errors.append(InvalidConfig(
                f"order {order} is already in {seen[order]}", key="order_id",
                source=f"{source} {where}", hint="give each order once per batch",
            ))
            continue
        seen[order] = where
        items.append(BatchItem(where, prepared))
    if errors:
        first = errors[0]
        first.context["errors"] = [str(e) for e in errors]
        raise first
    if not items:
        raise InvalidConfig(
            "holds no request", source=source,
            hint="add one [[request]] table (TOML) or one row under the header (CSV)",
        )
    return items


def parse_batch_toml(
    text: str, *, source: str, base_dir: Path, rules: EvidenceRules | None = None
) -> list[BatchItem]:
    """Check a TOML batch: ``[[request]]`` tables with the request's keys."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(f"is not valid TOML ({exc})", source=source,
                            hint="fix the syntax: one [[request]] table per order") from None
    for key in data:
        if key != "request":
            raise InvalidConfig(f'unknown key "{key}"', key=key, source=source,
                                hint="a batch file holds only [[request]] tables")
    tables = data.get("request", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InvalidConfig('"request" is not a list of tables', key="request", source=source,
                            hint="write each order as a [[request]] table")
    return _check_rows(((f"request {i}", t) for i, t in enumerate(tables, 1)),
                       source=source, base_dir=base_dir, rules=rules)


def _csv_rows(text: str, *, source: str) -> list[tuple[str, dict[str, object]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidConfig(f"is not valid CSV ({exc})", source=source,
                            hint="fix the header row") from None
    if not header or not any(cell.strip() for cell in header):
        raise InvalidConfig("has no header row", source=source,
                            hint=f"start with the field names: {','.join(REQUEST_KEYS)}")
    names = [cell.strip() for cell in header]
    for column, name in enumerate(names, 1):
        if name not in REQUEST_KEYS:
            raise InvalidConfig(
                f'unknown column "{name}" (column {column} of the header)', key=name,
                source=source, hint=f"the columns are: {', '.join(REQUEST_KEYS)}",
            )
        if names.index(name) != column - 1:
            raise InvalidConfig(f'column "{name}" appears twice in the header', key=name,
                                source=source, hint="keep one")
    rows: list[tuple[str, dict[str, object]]] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise InvalidConfig(f"row {start} is not valid CSV ({exc})", source=source,
                                hint="check the quotes in that row") from None
        if cells is None:
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        where = f"row {start}"
        if len(cells) > len(names):
            raise InvalidConfig(f"{where} has {len(cells)} cells but the header has {len(names)}",
                                source=source, hint="quote cells that hold a comma")
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
    text: str, *, source: str, base_dir: Path, rules: EvidenceRules | None = None
) -> list[BatchItem]:
    """Check a CSV batch: a header row of request keys, then one order per row."""
    rows = _csv_rows(text, source=source)
    return _check_rows(rows, source=source, base_dir=base_dir, rules=rules)


def load_batch(path: Path, *, rules: EvidenceRules | None = None) -> list[BatchItem]:
    """Read and check a batch file (``.toml`` or ``.csv``); evidence paths are relative to it."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise InvalidConfig("is neither .toml nor .csv", source=source,
                            hint="name the batch file FILE.toml ([[request]] tables) or FILE.csv")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidConfig("no such file", source=source, hint="check the --batch path") from None
    except IsADirectoryError:
        raise InvalidConfig("is a folder, not a file", source=source,
                            hint="give the batch file") from None
    except OSError as exc:
        raise InvalidConfig(f"cannot be read ({exc.strerror or exc})", source=source,
                            hint="check its permissions") from None
    except UnicodeDecodeError:
        raise InvalidConfig("is not UTF-8 text", source=source, hint="save it as UTF-8") from None
    parse = parse_batch_toml if suffix == ".toml" else parse_batch_csv
    return parse(text, source=source, base_dir=path.parent, rules=rules)


# --- running ----------------------------------------------------------------------------------


def batch_exit_code(codes: Iterable[int]) -> int:
    """0 when every order succeeded, else the most urgent code by `EXIT_PRECEDENCE`."""
    present = {c for c in codes if c != 0}
    for code in EXIT_PRECEDENCE:
        if code in present:
            return code
    return 1 if present else 0


def new_batch_dir(out_dir: Path, *, now: datetime | None = None) -> Path:
    """Create ``<out>/batch-<YYYYmmdd-HHMMSS>/`` (with a suffix when it already exists)."""
    base = f"batch-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(1, 1000):
        path = out_dir / (base if i == 1 else f"{base}-{i}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"cannot create a batch folder under {out_dir}")


def _crashed(batch_dir: Path, prepared: PreparedRequest, exc: BaseException) -> Outcome:
    """An order whose run raised: an ``error`` outcome with its own folder and result.json."""
    folder = new_run_folder(batch_dir, prepared.request.order_id)
    first = (str(exc).splitlines() or [""])[0][:200]
    outcome = Outcome(status="error", order_id=prepared.request.order_id, run_dir=folder.path,
                      message=f"unexpected error: {type(exc).__name__}: {first}")
    folder.write_json("result.json", result_dict(outcome, folder, prepared))
    return outcome


def _write_report(run_dir: Path | None) -> None:
    if run_dir is None or (run_dir / "report.html").exists():
        return
    try:
        from agent.report import write_report

        write_report(run_dir)
    except Exception as exc:  # a report that fails must never hide the batch's outcomes
        log.warning("agent.batch_report_failed", run_dir=str(run_dir),
                    error=f"{type(exc).__name__}: {exc}"[:300])


async def run_batch(
    requests: Sequence[PreparedRequest],
    *,
    site: str,
    profile: SiteProfile,
    batch_dir: Path,
    policy: RetryPolicy | None = None,
    session: Session | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    budget: RetryBudget | None = None,
    trace: str = BATCH_TRACE,
    journal: Journal | None = None,
    state_dir: Path | None = None,
    browser: Browser | None = None,
    reports: bool = True,
    share_login: bool = True,
    on_done: Callable[[int, Outcome], None] | None = None,
) -> BatchResult:
    """Run every request in one browser, ``concurrency`` at a time, and write the summary.

    ``browser``: a started browser to share (else one is started or reached from
    ``session.browser``); ``budget``: the shared retry budget (None: no budget);
    ``on_done(index, outcome)`` is called as each order ends. With ``share_login`` and
    credentials but no storage state, the batch logs in once and every order's context starts
    from that session (saved in a private temporary folder, deleted at the end).
    """
    if concurrency < 1:
        raise InvalidConfig(f"concurrency {concurrency} is below 1", key="concurrency",
                            hint="pass --concurrency 1 or more")
    current: Session = session or Session()
    started = time.monotonic()
    slots = asyncio.Semaphore(concurrency)
    outcomes: list[Outcome | None] = [None] * len(requests)
    own_journal = journal is None
    jr = journal or Journal.in_state_dir(state_dir)

    async def one(index: int, prepared: PreparedRequest, shared: Browser) -> None:
        async with slots:
            try:
                outcome = await open_dispute_async(
                    prepared, site=site, profile=profile, policy=policy, session=current,
                    out_dir=batch_dir, trace=trace, journal=jr, browser=shared,
                    before_attempt=budget.for_order() if budget is not None else None,
                )
            except Exception as exc:
                log.exception("agent.batch_order_failed", order_id=prepared.request.order_id)
                outcome = _crashed(batch_dir, prepared, exc)
        if reports:
            await asyncio.to_thread(_write_report, outcome.run_dir)
        outcomes[index] = outcome
        if on_done is not None:
            on_done(index, outcome)

    async def all_orders(shared: Browser) -> None:
        await asyncio.gather(*(one(i, r, shared) for i, r in enumerate(requests)))

    async def with_session(shared: Browser) -> None:
        nonlocal current
        if not (share_login and current.credentials and current.storage_state is None and requests):
            await all_orders(shared)
            return
        with tempfile.TemporaryDirectory(prefix="retry-dispute-") as private:
            state = await _log_in_once(shared, site=site, profile=profile, session=current,
                                       order_id=requests[0].request.order_id,
                                       path=Path(private) / "session.json")
            if state is not None:
                current = dataclasses.replace(current, storage_state=state)
            await all_orders(shared)

    log.info("agent.batch_started", orders=len(requests), concurrency=concurrency,
             batch_dir=str(batch_dir))
    try:
        if browser is not None:
            await with_session(browser)
        else:
            async with async_playwright() as p:
                owned = await connect(p, current.browser)
                try:
                    await with_session(owned)
                finally:
                    if not current.browser.cdp_url:
                        await owned.close()
    finally:
        if own_journal:
            jr.close()
        done = tuple(o for o in outcomes if o is not None)
        result = BatchResult(
            batch_dir=batch_dir, outcomes=done, elapsed_s=round(time.monotonic() - started, 3),
            concurrency=concurrency, exit_code=batch_exit_code(o.exit_code for o in done),
            budget=_budget_dict(budget),
        )
        not_run = [r.request.order_id for r, o in zip(requests, outcomes, strict=True) if o is None]
        write_summary(result, not_run=not_run)
        _write_index(batch_dir, [o.run_dir for o in done if o.run_dir is not None])
    log.info("agent.batch_finished", orders=len(done), elapsed_s=result.elapsed_s,
             exit_code=result.exit_code)
    return result


async def _log_in_once(
    browser: Browser, *, site: str, profile: SiteProfile, session: Session, order_id: str,
    path: Path,
) -> Path | None:
    """Log in once for the whole batch and save the session to ``path`` (mode 0600).

    Every order's context then starts logged in (the credentials stay in the session, so an
    order whose session expired still logs in by itself). None when it did not work: each order
    then logs in on its own, as a single run does.
    """
    assert session.credentials is not None
    context = await browser.new_context(locale="en-US")
    try:
        page = await context.new_page()
        await arm_page(page, profile)
        order = OrderPage(page, profile, base_url=site)
        await order.goto(order_id)
        if await order.is_login():
            await order.login(session.credentials)
            if await order.is_login():
                return None
        await context.storage_state(path=str(path))
        path.chmod(0o600)
        log.info("agent.batch_logged_in", order_id=order_id)
        return path
    except Exception as exc:  # the orders log in one by one instead
        log.warning("agent.batch_login_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        return None
    finally:
        await context.close()


def _budget_dict(budget: RetryBudget | None) -> dict[str, Any] | None:
    if budget is None:
        return None
    stats = budget.stats
    return {"rate_per_s": budget.rate, "burst": budget.burst,
            "first_attempt_free": budget.first_attempt_free, "tokens_taken": stats.taken,
            "waits": stats.waits, "waited_s": stats.waited_s,
            "longest_wait_s": stats.longest_wait_s}


# --- output -------------------------------------------------------------------------------------


def summary_dict(result: BatchResult, *, not_run: Sequence[str] = ()) -> dict[str, Any]:
    """The contents of ``summary.json``; ``run_dir`` is relative to the batch folder."""
    orders = []
    totals: dict[str, int] = {}
    for o in result.outcomes:
        totals[o.status] = totals.get(o.status, 0) + 1
        run_dir = None
        if o.run_dir is not None:
            run_dir = Path(os.path.relpath(o.run_dir, result.batch_dir)).as_posix()
        orders.append({"order_id": o.order_id, "status": o.status, "dispute_id": o.dispute_id,
                       "attempts": o.attempts, "elapsed_s": o.elapsed_s, "run_dir": run_dir,
                       "exit_code": o.exit_code, "message": o.message})
    data: dict[str, Any] = {
        "orders": orders, "totals": totals, "elapsed_s": result.elapsed_s,
        "concurrency": result.concurrency, "exit_code": result.exit_code,
        "orders_per_s": round(len(orders) / result.elapsed_s, 3) if result.elapsed_s else None,
        "retry_budget": result.budget,
    }
    if not_run:
        data["not_run"] = list(not_run)
    return data


def write_summary(result: BatchResult, *, not_run: Sequence[str] = ()) -> Path:
    """Write ``summary.json`` into the batch folder, atomically."""
    target = result.batch_dir / "summary.json"
    tmp = target.with_suffix(".json.tmp")
    text = json.dumps(summary_dict(result, not_run=not_run), indent=2, ensure_ascii=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


def _write_index(batch_dir: Path, run_dirs: list[Path]) -> Path:
    try:
        from agent.report import write_batch_index

        return write_batch_index(batch_dir, run_dirs)
    except Exception as exc:  # fall back to a plain list of links rather than no index
        log.warning("agent.batch_index_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        links = "\n".join(
            f'<li><a href="{Path(os.path.relpath(d / "report.html", batch_dir)).as_posix()}">'
            f"{d.name}</a></li>" for d in run_dirs
        )
        target = batch_dir / "index.html"
        page = f"<!doctype html><meta charset=utf-8><title>batch</title><ul>{links}</ul>\n"
        target.write_text(page, encoding="utf-8")
        return target


def format_table(outcomes: Sequence[Outcome]) -> str:
    """The console table: order, status, dispute, attempts, seconds."""
    head = ("order", "status", "dispute", "attempts", "seconds")
    rows = [(o.order_id, o.status, o.dispute_id or "-", str(o.attempts), f"{o.elapsed_s:.1f}")
            for o in outcomes]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    right = {3, 4}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def print_batch(result: BatchResult, *, stream: TextIO | None = None) -> None:
    """The table, the totals and where the output is."""
    out = stream or sys.stdout
    print(format_table(result.outcomes), file=out)
    totals: dict[str, int] = {}
    for o in result.outcomes:
        totals[o.status] = totals.get(o.status, 0) + 1
    rate = len(result.outcomes) / result.elapsed_s if result.elapsed_s else 0.0
    ranked = sorted(totals.items(), key=lambda kv: STATUS_EXIT.get(kv[0], 1))
    counts = ", ".join(f"{s} {n}" for s, n in ranked)
    print(f"{len(result.outcomes)} orders in {result.elapsed_s:.1f} s ({rate:.2f}/s, concurrency "
          f"{result.concurrency}): {counts}; exit code {result.exit_code}", file=out)
    print(f"  summary: {result.batch_dir / 'summary.json'}", file=out)
    print(f"  reports: open {result.batch_dir / 'index.html'}", file=out)


def command_batch(args: argparse.Namespace, profile: SiteProfile, *, demo: bool) -> int:
    """``retry-dispute run --batch FILE``: check the file, run the batch, print the table."""
    from agent.cli import credentials_from_env
    from agent.cli_run import _given, _storefront, policy_from_args
    from agent.pages import Credentials

    if args.request is not None or _given(args):
        raise InvalidConfig("give either --batch FILE or a single request, not both",
                            hint="drop --request and the request flags")
    try:
        items = load_batch(args.batch, rules=profile.evidence)
    except InvalidRequest as err:
        every = err.context.get("errors")
        if not isinstance(every, list) or len(every) < 2:
            raise
        for line in every:
            print(f"retry-dispute: {line}", file=sys.stderr)
        raise InvalidConfig(f"{len(every)} rows are wrong (above); nothing was sent",
                            source=args.batch, hint="fix them and run the batch again") from err
    policy = policy_from_args(args, demo=demo)
    concurrency = min(args.concurrency or DEFAULT_CONCURRENCY, len(items))
    credentials = credentials_from_env()
    if demo and credentials is None:
        credentials = Credentials("demo", "demo")
    target = browser_target(executable=args.browser_path, headless=not args.headed,
                            cdp_url=args.cdp_url, ws_endpoint=args.ws_endpoint)
    session = Session(storage_state=args.storage_state, credentials=credentials, browser=target)
    total = len(items)
    finished = 0

    def progress(_: int, outcome: Outcome) -> None:
        nonlocal finished
        finished += 1
        print(f"[{finished}/{total}] order {outcome.order_id}: {outcome.status}"
              f"{' ' + outcome.dispute_id if outcome.dispute_id else ''} "
              f"({outcome.attempts} attempts, {outcome.elapsed_s:.1f} s)", file=sys.stderr)

    with _storefront(args) as site:
        assert site is not None
        batch_dir = new_batch_dir(args.out)
        print(f"retry-dispute: batch of {total} orders from {args.batch}, "
              f"concurrency {concurrency}, into {batch_dir}", file=sys.stderr)
        result = asyncio.run(run_batch(
            [i.prepared for i in items], site=site, profile=profile, batch_dir=batch_dir,
            policy=policy, session=session, concurrency=concurrency,
            budget=RetryBudget(rate=args.retry_rate or DEFAULT_RATE,
                               burst=max(DEFAULT_BURST, concurrency)),
            trace=args.trace or BATCH_TRACE,
            state_dir=args.state_dir, on_done=progress,
        ))
    print_batch(result)
    return result.exit_code
