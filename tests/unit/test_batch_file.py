"""Batch files (TOML and CSV) checked up front, the batch exit code, summary and console table."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest

from agent.cli.batch import format_table
from agent.errors import InvalidConfig, InvalidField, InvalidRequest
from agent.flow import lanes
from agent.flow.batch import BatchOptions, run_batch
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import BatchResult, Outcome, batch_exit_code
from agent.output.batch_summary import new_batch_dir, summary_dict
from agent.request.batch_file import load_batch, parse_batch_csv, parse_batch_toml
from agent.site.profile import load_profile
from mock_site.testing import SAMPLE_JPEG

MESSAGE = "My parcel has not arrived after 40 days. Please refund me."
HEADER = "order_id,received,reason,message"


def csv_text(*rows: str, header: str = HEADER) -> str:
    """A CSV batch: the header, then the rows."""
    return "\n".join((header, *rows)) + "\n"


def row(order: str, reason: str = "not_received", message: str = MESSAGE) -> str:
    """One not-received CSV row."""
    return f"{order},no,{reason},{message}"


def refused(text: str, *, toml: bool = False) -> InvalidRequest:
    """Parse a batch that must be refused; return the error."""
    parse = parse_batch_toml if toml else parse_batch_csv
    with pytest.raises(InvalidRequest) as info:
        parse(text, source="orders" + (".toml" if toml else ".csv"), base_dir=Path("."))
    return info.value


def test_a_toml_batch_gives_one_checked_request_per_table(tmp_path: Path) -> None:
    """Each [[request]] table becomes a prepared request, evidence relative to the file."""
    (tmp_path / "photo.jpg").write_bytes(SAMPLE_JPEG)
    path = tmp_path / "orders.toml"
    path.write_text(
        f'[[request]]\norder_id = 2000\nreceived = "no"\nreason = "not_received"\n'
        f'message = "{MESSAGE}"\n\n'
        f'[[request]]\norder_id = "1002"\nreceived = "yes"\nreason = "damaged"\n'
        f'refund = "partial"\namount = "5,30"\nmessage = "It arrived broken."\n'
        f'evidence = ["photo.jpg"]\n',
        encoding="utf-8",
    )
    items = load_batch(path)
    assert [i.where for i in items] == ["request 1", "request 2"]
    assert [i.prepared.request.order_id for i in items] == ["2000", "1002"]
    second = items[1].prepared.request
    assert (str(second.amount), second.evidence) == ("5.30", (tmp_path / "photo.jpg",))


def test_a_csv_batch_reads_the_header_and_splits_evidence_on_semicolons(tmp_path: Path) -> None:
    """CSV cells map to request keys; evidence is split on ';' and empty cells take defaults."""
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(SAMPLE_JPEG)
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,received,reason,solution,refund,amount,message,evidence\n"
        f"2000,no,not_received,,,,{MESSAGE},\n"
        '1002,yes,damaged,return,partial,5.30,"It broke, badly.", a.jpg ; b.jpg \n',
        encoding="utf-8",
    )
    first, second = (i.prepared.request for i in load_batch(path))
    assert (first.solution, first.refund, first.evidence) == ("refund", "full", ())
    assert second.solution == "return"
    assert second.message == "It broke, badly."
    assert second.evidence == (tmp_path / "a.jpg", tmp_path / "b.jpg")


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_separated_by_semicolons_or_tabs_is_recognised(
    tmp_path: Path, separator: str
) -> None:
    """A spreadsheet's ';'-separated (or tab-separated) export is read as such: its cells, a
    decimal-comma amount and a quoted evidence list with ';' inside."""
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(SAMPLE_JPEG)
    head = "order_id,received,reason,refund,amount,message,evidence".replace(",", separator)
    cells = ["1002", "yes", "damaged", "partial", "5,30", "It broke, badly.", '"a.jpg;b.jpg"']
    path = tmp_path / "orders.csv"
    path.write_text(f"{head}\n{separator.join(cells)}\n", encoding="utf-8")
    (item,) = load_batch(path)
    request = item.prepared.request
    assert (request.order_id, str(request.amount), request.message) == (
        "1002",
        "5.30",
        "It broke, badly.",
    )
    assert request.evidence == (tmp_path / "a.jpg", tmp_path / "b.jpg")


def test_a_csv_saved_by_a_spreadsheet_with_a_bom_and_crlf_is_read(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark and CRLF line ends do not get in the way."""
    path = tmp_path / "orders.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + row("2000") + "\r\n\r\n").encode())
    assert [i.prepared.request.order_id for i in load_batch(path)] == ["2000"]


def test_a_bad_csv_row_is_refused_naming_the_file_row_and_key() -> None:
    """A wrong reason in the second data row names the file, row 3 (spreadsheet count), the key."""
    err = refused(csv_text(row("2000"), row("2001", reason="damagd")))
    assert isinstance(err, InvalidField)
    assert str(err).startswith('orders.csv row 3: reason: unknown code "damagd"')


def test_every_bad_row_is_listed_the_first_one_raised() -> None:
    """Two bad rows: the first is raised, both are listed in the error's context."""
    err = refused(csv_text(row("2000", reason="nope"), row("2001"), row("2002", message="short")))
    listed = err.context["errors"]
    assert isinstance(listed, list)
    assert [e.split(":")[0] for e in listed] == ["orders.csv row 2", "orders.csv row 4"]


def test_a_missing_cell_names_the_key() -> None:
    """A required key left empty is refused naming the row and the key."""
    err = refused(csv_text("2000,no,not_received,"))
    assert isinstance(err, InvalidConfig)
    assert (err.key, err.context["source"]) == ("message", "orders.csv row 2")


def test_an_unknown_csv_column_is_refused() -> None:
    """A header column that is not a request key is refused with the list of keys."""
    err = refused(csv_text(row("2000") + ",x", header=HEADER + ",note"))
    assert isinstance(err, InvalidConfig)
    assert err.key == "note"
    assert "the columns are: order_id, item, quantity, received" in str(err)


def test_a_csv_column_given_twice_is_refused() -> None:
    """The same column twice in the header is refused."""
    err = refused(csv_text(row("2000") + ",x", header=HEADER + ",reason"))
    assert "appears twice" in str(err)


def test_a_csv_row_with_too_many_cells_is_refused() -> None:
    """An unquoted comma in a message makes more cells than columns: refused naming the row."""
    err = refused(csv_text("2000,no,not_received,It never came, at all."))
    assert str(err).startswith("orders.csv: row 2 has 5 cells but the header has 4")


def test_an_order_given_twice_is_refused_naming_both_rows() -> None:
    """The same order twice would race against itself: refused naming both places."""
    err = refused(csv_text(row("2000"), row("2001"), row("2000")))
    assert str(err).startswith("orders.csv row 4: order 2000 is already in row 2")


def test_a_toml_batch_with_an_unknown_key_in_a_table_is_refused() -> None:
    """A misspelt key in a [[request]] table names the table's number and the key."""
    text = (
        f'[[request]]\norder_id = "2000"\nreceived = "no"\nreason = "not_received"\n'
        f'mesage = "{MESSAGE}"\n'
    )
    err = refused(text, toml=True)
    assert isinstance(err, InvalidConfig)
    assert str(err).startswith('orders.toml request 1: unknown key "mesage"; did you mean message?')


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[request]\norder_id = 1\n", '"request" is not a list of tables'),
        ('title = "x"\n', 'unknown key "title"'),
        ("[[request]\n", "is not valid TOML"),
        ("", "holds no request"),
    ],
)
def test_a_malformed_toml_batch_is_refused(text: str, says: str) -> None:
    """A TOML batch that is not a list of [[request]] tables is refused saying why."""
    assert says in str(refused(text, toml=True))


def test_a_header_only_csv_is_refused() -> None:
    """A CSV with no data row holds no request."""
    assert "holds no request" in str(refused(csv_text()))


def test_a_batch_file_of_another_kind_or_missing_is_refused(tmp_path: Path) -> None:
    """Only .toml and .csv are read; a missing file is named."""
    other = tmp_path / "orders.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(InvalidConfig, match=r"neither \.toml nor \.csv"):
        load_batch(other)
    with pytest.raises(InvalidConfig, match="no such file"):
        load_batch(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0, 0], 0),
        ([0, 3], 3),
        ([3, 4, 0], 4),
        ([4, 2, 3], 2),
        ([2, 1, 4], 1),
        ([1, 5, 4, 3, 2], 5),
        ([], 0),
    ],
)
def test_the_batch_exit_code_is_the_most_urgent_order_code(codes: list[int], expected: int) -> None:
    """0 when every order succeeded, else 5 > 1 > 2 > 4 > 3 by precedence."""
    assert batch_exit_code(codes) == expected


def outcome(order: str, status: str, **extra: object) -> Outcome:
    """An order's outcome for the summary tests."""
    return Outcome(status=status, order_id=order, **extra)  # type: ignore[arg-type]


def test_the_summary_counts_statuses_and_points_to_each_run_folder(tmp_path: Path) -> None:
    """summary.json has one entry per order with its folder relative to the batch, and totals."""
    result = BatchResult(
        batch_dir=tmp_path,
        outcomes=(
            outcome(
                "2000",
                "opened",
                dispute_id="D-000100",
                attempts=2,
                elapsed_s=3.5,
                run_dir=tmp_path / "20250101-000000-2000",
            ),
            outcome("2001", "gave_up", attempts=10, elapsed_s=60.0),
            outcome("2002", "opened", dispute_id="D-000101", attempts=1, elapsed_s=2.0),
        ),
        elapsed_s=61.0,
        concurrency=2,
        exit_code=4,
    )
    data = summary_dict(result)
    assert data["totals"] == {"opened": 2, "gave_up": 1}
    assert (data["elapsed_s"], data["concurrency"], data["exit_code"]) == (61.0, 2, 4)
    assert data["orders"][0] == {
        "order_id": "2000",
        "item": None,
        "status": "opened",
        "dispute_id": "D-000100",
        "case_number": None,  # no support chat for this order (yet)
        "attempts": 2,
        "elapsed_s": 3.5,
        "run_dir": "20250101-000000-2000",
        "exit_code": 0,
        "message": "",
    }
    assert data["orders"][1]["exit_code"] == 4
    assert "servers" not in data  # one browser: nothing to say per server


def test_the_summary_names_each_server_of_a_batch_on_several(tmp_path: Path) -> None:
    """With several Playwright servers, summary.json says what each one did and which was lost."""
    servers = (
        {"server": "ws://a:1/", "orders": 3, "requeued": 0, "lost": False},
        {"server": "ws://b:1/", "orders": 1, "requeued": 2, "lost": True},
    )
    result = BatchResult(
        batch_dir=tmp_path, outcomes=(), elapsed_s=1.0, concurrency=2, exit_code=0, servers=servers
    )
    assert summary_dict(result)["servers"] == [dict(s) for s in servers]


def test_the_console_table_has_one_aligned_line_per_order() -> None:
    """Columns order, status, dispute, attempts, seconds; numbers right-aligned; a dispute id
    in Chinese (two cells a character) keeps the next column aligned on a terminal."""
    table = format_table(
        [
            outcome("2000", "opened", dispute_id="D-000100", attempts=2, elapsed_s=3.46),
            outcome("1003", "ineligible", elapsed_s=1.0),
            outcome("2001", "opened", dispute_id="纠纷-7", attempts=1, elapsed_s=2.0),
        ]
    )
    assert table.splitlines() == [
        "order  status      dispute   attempts  seconds",
        "------ ----------- --------- --------- -------",
        "2000   opened      D-000100         2      3.5",
        "1003   ineligible  -                0      1.0",
        "2001   opened      纠纷-7           1      2.0",
    ]


def test_a_batch_folder_gets_a_suffix_when_the_second_is_taken(tmp_path: Path) -> None:
    """Two batches started in the same second get batch-STAMP and batch-STAMP-2."""
    now = datetime(2025, 3, 1, 12, 0, 0)
    assert new_batch_dir(tmp_path, now=now).name == "batch-20250301-120000"
    assert new_batch_dir(tmp_path, now=now).name == "batch-20250301-120000-2"


class BrokenBrowser:
    """A browser in which every new context fails, though it still says it is connected."""

    def on(self, event: str, listener: object) -> None:
        """Listen for the disconnection that never comes."""

    def is_connected(self) -> bool:
        """Still connected: the failures are the orders' own."""
        return True

    async def new_context(self, **_: object) -> None:
        """Fail as Playwright does once the browser is gone."""
        raise RuntimeError("Target page, context or browser has been closed")


def test_an_order_whose_run_crashes_is_an_error_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each order that raises becomes an error with its own result.json; the summary is written."""
    monkeypatch.setattr(lanes, "LOST_GRACE_S", 0)  # no waiting for a disconnection to come
    items = parse_batch_csv(csv_text(row("2000"), row("2001")), source="b.csv", base_dir=tmp_path)
    options = RunOptions(
        site="http://127.0.0.1:9", profile=load_profile("mock"), state_dir=tmp_path / "state"
    )
    result = asyncio.run(
        run_batch(
            [i.prepared for i in items],
            options=options,
            batch_dir=tmp_path,
            batch=BatchOptions(concurrency=2, reports=False),
            runtime=Runtime(browser=BrokenBrowser()),  # type: ignore[arg-type]
        )
    )
    assert [o.status for o in result.outcomes] == ["error", "error"]
    assert result.exit_code == 1
    for o in result.outcomes:
        assert o.run_dir is not None
        saved = json.loads((o.run_dir / "result.json").read_text(encoding="utf-8"))
        assert saved["status"] == "error"
        assert "browser has been closed" in saved["message"]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"error": 2}
    assert (tmp_path / "index.html").is_file()
