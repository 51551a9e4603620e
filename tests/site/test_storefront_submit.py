"""Submitting the dispute form over HTTP: success, every validation rule, CSRF, size limits."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mock_site.testing import SAMPLE_JPEG, SAMPLE_MP4, SAMPLE_PNG, StorefrontServer

MIB = 1024 * 1024


def test_full_page_success_redirects_to_the_dispute(shopper, storefront: StorefrontServer) -> None:
    """A valid full-page POST answers 303 to /dispute/D-000100, which says it opened."""
    response = shopper.submit("1002")
    assert response.status_code == 303
    assert response.headers["location"] == "/dispute/D-000100"
    page = shopper.page("/dispute/D-000100")
    assert page.text("dispute-result") == "Dispute D-000100 opened"
    [dispute] = [d for d in storefront.disputes() if d["dispute_id"] == "D-000100"]
    assert dispute["order_id"] == "1002"
    assert dispute["account"] == "demo"
    assert dispute["reason"] == "not_received"
    assert dispute["message"] == "My parcel never arrived."
    assert dispute["amount"] == "24.50"
    assert dispute["files"] == []
    [submission] = storefront.submissions()
    assert submission["answer"] == "opened"
    assert submission["status_code"] == 303
    assert submission["dispute_id"] == "D-000100"
    assert submission["via"] == "page"


def test_fetch_success_answers_json(shopper) -> None:
    """A valid fetch() submit answers JSON ``opened`` with the dispute id and text."""
    response = shopper.submit("1001", fetch=True)
    assert response.status_code == 200
    assert response.json() == {
        "status": "opened",
        "dispute_id": "D-000100",
        "message": "Dispute D-000100 opened",
    }


def test_store_never_deduplicates(shopper, storefront: StorefrontServer) -> None:
    """Two submissions for one order create two disputes, with consecutive ids."""
    assert shopper.submit("1002").headers["location"] == "/dispute/D-000100"
    assert shopper.submit("1002").headers["location"] == "/dispute/D-000101"
    ids = [d["dispute_id"] for d in storefront.disputes() if d["order_id"] == "1002"]
    assert ids == ["D-000100", "D-000101"]


def test_order_with_an_open_dispute_still_accepts_a_submission(shopper, storefront) -> None:
    """Even 1007 (D-000007 open) takes another dispute: duplicates are the agent's to avoid."""
    response = shopper.submit(
        "1007", received="yes", reason="damaged", message="It arrived broken!"
    )
    assert response.headers["location"] == "/dispute/D-000100"
    assert [d["order_id"] for d in storefront.disputes()] == ["1007", "1007"]


def test_evidence_and_partial_amount_are_stored(shopper, storefront: StorefrontServer) -> None:
    """Files are judged by content (a PNG named .txt is a photo); the amount keeps 2 decimals."""
    response = shopper.submit(
        "1002",
        received="yes",
        reason="does_not_work",
        refund="partial",
        amount="5.3",
        solution="return",
        files=[("photo.txt", SAMPLE_PNG), ("clip.mp4", SAMPLE_MP4), ("a.jpg", SAMPLE_JPEG)],
        message="It does not switch on!",
    )
    assert response.status_code == 303
    dispute = storefront.disputes()[-1]
    assert dispute["files"] == ["photo.txt", "clip.mp4", "a.jpg"]
    assert dispute["amount"] == "5.30"
    assert dispute["solution"] == "return"
    assert dispute["refund"] == "partial"


@pytest.mark.parametrize("atom", [b"ftyp", b"moov", b"wide", b"mdat"])
def test_mov_and_mp4_atoms_count_as_video(shopper, atom: bytes) -> None:
    """A video is recognised by bytes 4..8: ftyp, moov, wide or mdat."""
    video = b"\x00\x00\x00\x10" + atom + bytes(32)
    response = shopper.submit(
        "1002",
        received="yes",
        reason="does_not_work",
        files=[("p.jpg", SAMPLE_JPEG), ("v.mov", video)],
    )
    assert response.status_code == 303


def test_non_latin_letters_are_silently_dropped(shopper, storefront: StorefrontServer) -> None:
    """Cyrillic and CJK letters vanish from the stored message; digits and Latin stay."""
    message = "Parcel Посылка 42 包裹 lost, café!"
    assert shopper.submit("1002", message=message).status_code == 303
    assert storefront.disputes()[-1]["message"] == "Parcel  42  lost, café!"


HIDDEN = ["\u00a0", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
HIDDEN += ["\u2018", "\u2019", "\u201c", "\u201d"]

REFUSALS = [
    *[
        (
            {"message": f"My parcel{ch}never arrived."},
            "Your message contains unsupported characters",
        )
        for ch in HIDDEN
    ],
    ({"message": "My parcel never arrived"}, "Please complete your message"),
    ({"message": "Lost it."}, "Your message must be 10 to 2000 characters long"),
    ({"message": "x" * 2000 + "."}, "Your message must be 10 to 2000 characters long"),
    ({"refund": "partial", "amount": "5,30"}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": "five"}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": ""}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": "0"}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": "0.00"}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": "-1"}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": "1.234"}, "Please enter a valid amount"),
    ({"refund": "partial", "amount": "24.51"}, "The amount cannot exceed the order total"),
    ({"received": "no", "reason": "damaged"}, "Please choose a reason"),
    ({"received": "yes", "reason": "not_received"}, "Please choose a reason"),
    ({"reason": ""}, "Please choose a reason"),
    ({"received": ""}, "Please tell us whether you received the item"),
    ({"received": "maybe"}, "Please tell us whether you received the item"),
    ({"solution": "exchange"}, "Please choose a solution"),
    ({"refund": "half"}, "Please choose a full or a partial refund"),
]


@pytest.mark.parametrize(("fields", "error"), REFUSALS)
def test_validation_refusals(shopper, storefront, fields: dict[str, str], error: str) -> None:
    """Each documented rule refuses with its message (422), refills the form, creates nothing."""
    response = shopper.submit("1002", **fields)
    assert response.status_code == 422
    page = shopper.parse(response)
    assert page.text("form-error") == error
    assert not page.one("form-error").hidden
    assert [d["dispute_id"] for d in storefront.disputes()] == ["D-000007"]
    assert storefront.submissions()[-1]["answer"] == "invalid"
    assert storefront.submissions()[-1]["detail"] == error


def test_validation_refusal_over_fetch(shopper) -> None:
    """A fetch() submit gets the refusal as JSON ``invalid``."""
    response = shopper.submit("1002", fetch=True, message="No full stop")
    assert response.status_code == 422
    assert response.json() == {"status": "invalid", "message": "Please complete your message"}


def test_boundary_lengths_and_amounts_are_accepted(shopper) -> None:
    """10 and 2000 characters, and an amount equal to the total, are fine."""
    assert shopper.submit("1002", message="Not here!!").status_code == 303
    assert shopper.submit("1002", message="y" * 1999 + "?").status_code == 303
    assert shopper.submit("1002", refund="partial", amount="24.50").status_code == 303
    assert shopper.submit("1002", refund="partial", amount="0.01").status_code == 303


FILE_REFUSALS = [
    ({"received": "yes", "reason": "damaged"}, [], "Please attach photos of the item"),
    (
        {"received": "yes", "reason": "damaged"},
        [("clip.mp4", SAMPLE_MP4)],
        "Please attach photos of the item",
    ),
    (
        {"received": "yes", "reason": "does_not_work"},
        [("p.jpg", SAMPLE_JPEG)],
        "Please attach a video showing the problem",
    ),
    (
        {"received": "yes", "reason": "damaged"},
        [("photo.jpg", b"GIF89a" + bytes(20))],
        "Unsupported file format: photo.jpg",
    ),
    ({}, [("notes.pdf", b"%PDF-1.7 hello")], "Unsupported file format: notes.pdf"),
    ({}, [(f"p{n}.jpg", SAMPLE_JPEG) for n in range(7)], "Too many files"),
    (
        {},
        [("big.jpg", SAMPLE_JPEG + bytes(5 * MIB - len(SAMPLE_JPEG) + 1))],
        "File too large: big.jpg",
    ),
    (
        {},
        [("big.mp4", SAMPLE_MP4 + bytes(20 * MIB - len(SAMPLE_MP4) + 1))],
        "File too large: big.mp4",
    ),
]


@pytest.mark.parametrize(("fields", "files", "error"), FILE_REFUSALS)
def test_file_refusals(shopper, fields, files, error: str) -> None:
    """Evidence rules: photos when received, a video for does_not_work, formats, count, sizes."""
    response = shopper.submit("1002", files=files, **fields)
    assert response.status_code == 422
    assert shopper.parse(response).text("form-error") == error


def test_files_at_the_size_limits_are_accepted(shopper) -> None:
    """Six files, a 5 MiB photo and a 20 MiB video are within the limits."""
    photo = SAMPLE_JPEG + bytes(5 * MIB - len(SAMPLE_JPEG))
    video = SAMPLE_MP4 + bytes(20 * MIB - len(SAMPLE_MP4))
    files = [("big.jpg", photo), ("big.mp4", video)] + [(f"{n}.png", SAMPLE_PNG) for n in range(4)]
    response = shopper.submit("1002", received="yes", reason="does_not_work", files=files)
    assert response.status_code == 303


def test_ineligible_order_refuses_a_submission(shopper, storefront) -> None:
    """A POST for an ineligible order is refused with the reason in words."""
    token = shopper.csrf("1002")
    response = shopper.submit("1003", csrf=token)
    assert response.status_code == 422
    assert shopper.parse(response).text("dispute-ineligible").startswith("Buyer protection ended")
    response = shopper.submit("1006", csrf=token, fetch=True)
    assert response.json()["message"].startswith("You accepted the seller's proposal")


def test_foreign_order_submission_is_404(shopper, storefront) -> None:
    """A POST for another account's order answers 404 and is recorded as not_found."""
    response = shopper.submit("1008", csrf=shopper.csrf("1002"))
    assert response.status_code == 404
    assert storefront.submissions()[-1]["answer"] == "not_found"


def test_busy_page_refills_text_fields_but_not_files(shopper, storefront) -> None:
    """A busy full-page answer keeps values, selection and checked radios; never the files."""
    storefront.set_faults({"busy_first": 1})
    response = shopper.submit(
        "1002",
        received="yes",
        reason="damaged",
        solution="return",
        refund="partial",
        amount="3.50",
        message='It came "broken" & <bent>.',
    )
    assert response.status_code == 200
    page = shopper.parse(response)
    assert page.text("busy-banner") == "System busy, please try again later"
    assert page.one("received-yes").has("checked")
    assert not page.one("received-no").has("checked")
    selected = [o.attrs["value"] for o in page.tags("option") if o.has("selected")]
    assert selected == ["damaged"]
    assert "does_not_work" in page.options()
    assert page.one("solution-return").has("checked")
    assert page.one("refund-partial").has("checked")
    assert page.one("amount").attrs["value"] == "3.50"
    assert not page.one("amount").has("disabled")
    assert page.text("message") == 'It came "broken" & <bent>.'
    assert "value" not in page.one("evidence").attrs


@pytest.mark.parametrize("token", [None, "", "forged-token", "jeton-forgé"])
def test_csrf_is_required(shopper, storefront, token: str | None) -> None:
    """No or a wrong csrf_token: 403, nothing created, recorded as forbidden."""
    data = {"received": "no", "reason": "not_received", "message": "Where is it, please?"}
    if token is not None:
        data["csrf_token"] = token
    response = shopper.client.post("/order/1002/dispute", data=data)
    assert response.status_code == 403
    assert shopper.parse(response).has("forbidden")
    assert storefront.submissions()[-1]["answer"] == "forbidden"
    assert len(storefront.disputes()) == 1


def test_csrf_token_is_bound_to_the_session(new_shopper, storefront) -> None:
    """A token from another session is refused; over fetch the answer is JSON."""
    thief, victim = new_shopper(), new_shopper()
    response = victim.submit("1002", csrf=thief.csrf("1002"), fetch=True)
    assert response.status_code == 403
    assert response.json()["status"] == "forbidden"
    assert len(storefront.disputes()) == 1


def test_submission_without_a_session(new_shopper, storefront) -> None:
    """No session: 303 to the login page, or 401 JSON over fetch."""
    anonymous = new_shopper(login=False)
    response = anonymous.submit("1002", csrf="x")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/order/1002/dispute"
    response = anonymous.submit("1002", csrf="x", fetch=True)
    assert response.status_code == 401
    assert response.json() == {"status": "login_required"}
    assert [s["answer"] for s in storefront.submissions()] == ["login_required"] * 2


class _Upload:
    """A body generator that counts what it handed out."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        chunk = bytes(MIB)
        while self.sent < self.total:
            self.sent += len(chunk)
            yield chunk


@pytest.mark.parametrize("declare_length", [False, True])
def test_oversize_body_is_refused_before_it_is_read(
    shopper, storefront, declare_length: bool
) -> None:
    """Over 64 MiB: 413 long before a 1 GiB upload is through (streamed or declared)."""
    upload = _Upload(1024 * MIB)
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    if declare_length:
        headers["Content-Length"] = str(upload.total)
    response = shopper.client.post("/order/1002/dispute", content=upload, headers=headers)
    assert response.status_code == 413
    assert upload.sent < 200 * MIB
    if declare_length:
        assert upload.sent < 64 * MIB
    assert storefront.submissions() == []


def test_body_just_under_the_limit_is_read(shopper, storefront) -> None:
    """A body under 64 MiB is read and judged (here: refused for its missing token)."""
    body = b"--x\r\n" + bytes(10 * MIB)
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    response = shopper.client.post("/order/1002/dispute", content=body, headers=headers)
    assert response.status_code in (400, 403)
    assert len(storefront.submissions()) == 1


def test_a_real_http_client_sees_the_413(storefront) -> None:
    """A fresh client with no session still gets a clean 413 for a declared huge body."""
    with httpx.Client(base_url=storefront.url) as client:
        response = client.post(
            "/order/1002/dispute",
            content=_Upload(100 * MIB),
            headers={"Content-Length": str(100 * MIB), "X-Requested-With": "fetch"},
        )
    assert response.status_code == 413
    assert response.json() == {"status": "too_large"}
