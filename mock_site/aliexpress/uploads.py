"""Evidence uploads: each file is POSTed on its own as soon as it is chosen.

``POST /x/upload?scene=reverse`` (multipart, field ``file``) judges the file by its content and
size, waits ``upload_delay_s`` and answers its id; the submit then names the ids. ``GET
/x/file/{id}`` serves a photo back for its thumbnail.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from mock_site.aliexpress.web import AeWeb
from mock_site.submit import parse_form, read_limited
from mock_site.validation import MAX_PHOTO_BYTES, MAX_VIDEO_BYTES, Upload, file_kind

__all__ = ["MAX_UPLOAD_BODY", "StoredFile", "UploadPages", "Uploads"]

MAX_UPLOAD_BODY = MAX_VIDEO_BYTES + 1024 * 1024  # one video and the multipart framing
MAX_KEPT = 2000  # files kept in memory; the oldest go first
VIDEO_POSTER = "/static/video-poster.svg"
_MEDIA = {b"\xff\xd8": "image/jpeg", b"\x89P": "image/png"}


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An uploaded file and whose it is."""

    account: str
    upload: Upload
    kind: str


class Uploads:
    """Uploaded files by id (thread-safe, bounded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: OrderedDict[str, StoredFile] = OrderedDict()

    def add(self, account: str, upload: Upload, kind: str) -> str:
        """Keep a file; its new id."""
        file_id = secrets.token_hex(12)
        with self._lock:
            self._files[file_id] = StoredFile(account, upload, kind)
            while len(self._files) > MAX_KEPT:
                self._files.popitem(last=False)
        return file_id

    def get(self, file_id: str, account: str) -> StoredFile | None:
        """One of the account's files."""
        with self._lock:
            stored = self._files.get(file_id)
        return stored if stored is not None and stored.account == account else None


def _error(code: str, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message}, status)


class UploadPages:
    """The upload endpoint and the thumbnails."""

    def __init__(self, web: AeWeb, uploads: Uploads) -> None:
        self.web = web
        self.store = web.store
        self.uploads = uploads

    async def upload(self, request: Request) -> Response:
        session = self.web.session(request)
        words = self.web.words(request)
        if session is None:
            return _error("NOT_LOGIN", words["sign_in_again"], 401)
        body = await read_limited(request, MAX_UPLOAD_BODY)
        if body is None:
            return _error("FILE_TOO_LARGE", "The file is too large.", 413)
        try:
            form = await parse_form(request, body)
        except HTTPException:
            return _error("BAD_REQUEST", "Please choose a file.", 400)
        try:
            item = form.get("file")
            if not isinstance(item, UploadFile):
                return _error("BAD_REQUEST", "Please choose a file.", 400)
            upload = Upload(item.filename or "unnamed", await item.read())
        finally:
            await form.close()
        kind = file_kind(upload.content)
        if kind is None:
            return _error(
                "FILE_TYPE_ERROR", words.refusal(f"Unsupported file format: {upload.name}")
            )
        limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_VIDEO_BYTES
        if len(upload.content) > limit:
            return _error("FILE_TOO_LARGE", words.refusal(f"File too large: {upload.name}"))
        delay = self.store.plan.upload_delay_s
        if delay > 0:
            await self.store.sleep(delay)
        file_id = self.uploads.add(session.account, upload, kind)
        thumb = f"/x/file/{file_id}" if kind == "photo" else VIDEO_POSTER
        body_out = {
            "success": True,
            "code": "0",
            "fileId": file_id,
            "fileName": upload.name,
            "fileType": kind,
            "url": thumb,
        }
        return JSONResponse(body_out)

    async def file(self, request: Request) -> Response:
        session = self.web.session(request)
        stored = self.uploads.get(
            request.path_params["file_id"], session.account if session else ""
        )
        if stored is None:
            return Response(status_code=404)
        if stored.kind != "photo":
            return RedirectResponse(VIDEO_POSTER, 302)
        media = _MEDIA.get(stored.upload.content[:2], "application/octet-stream")
        return Response(stored.upload.content, media_type=media)
