"""The dispute form: fill it, keep it filled, know what it holds.

The fields, their kinds and their order come from the profile's ``[[form.fields]]``; each kind
knows how to enter a value and read it back (`agent.site.fields`).
"""

from __future__ import annotations

from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import ProfileMismatch, UnexpectedPage
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.fields import enter, holds
from agent.site.flow_rules import Field
from agent.site.gates import check_gates
from agent.site.locate import CHECK_HINT, SitePage, stuck_reason
from agent.site.steps import condition_holds

__all__ = ["DisputeForm"]

log = get_logger("agent.pages")

#: How many times a fill's read-back may fill lost fields again.
_REFILLS = 2


class DisputeForm:
    """The dispute form: fill it, keep it filled, submit it."""

    def __init__(self, site: SitePage) -> None:
        self.site = site
        self.profile = site.profile

    async def wait_ready(self) -> None:
        """Wait until the form is there (or raise NeedsHuman for a login page or a challenge)."""
        try:
            await self.site.wait_shown(
                self.profile.form.ready,
                where="form.ready",
                timeout_s=self.profile.timeouts.navigation_s,
            )
        except UnexpectedPage:
            await check_gates(self.site, when="opening the dispute form")
            raise

    async def is_ready(self) -> bool:
        """Whether the form shows now."""
        return await self.site.visible(self.profile.form.ready, where="form.ready")

    async def is_kept(self) -> bool:
        """Whether the page says the form still holds everything (``retry.kept``)."""
        return await self.site.visible(self.profile.retry.kept, where="retry.kept")

    async def _applies(self, field: Field, prepared: PreparedRequest) -> bool:
        return await condition_holds(self.site, field.when, prepared.request, where=field.where)

    async def fill(self, prepared: PreparedRequest, *, only: tuple[str, ...] | None = None) -> None:
        """Fill every field that applies, in the profile's order (or only those named).

        A whole fill is read back: a field the page lost meanwhile (its form re-rendered while
        it was typed into) is filled again, up to twice.
        """
        await self._fill(prepared, only)
        if only is not None:
            return
        for _ in range(_REFILLS):
            lost = await self.missing_fields(prepared)
            if not lost:
                return
            log.info("agent.form_fields_lost", fields=lost)
            await self._fill(prepared, tuple(lost))

    async def _fill(self, prepared: PreparedRequest, only: tuple[str, ...] | None) -> None:
        for field in self.profile.form.fields:
            if only is not None and field.name not in only:
                continue
            if await self._applies(field, prepared):
                try:
                    await enter(self.site, field, prepared)
                except PlaywrightTimeout as exc:
                    await check_gates(self.site, when="filling the form")
                    raise ProfileMismatch(
                        f"{field.where} ({field.name}): the {field.kind} field of profile "
                        f"{self.profile.source} did not respond in time on {self.site.page.url}"
                        f"{stuck_reason(exc)}",
                        url=self.site.page.url,
                        hint=CHECK_HINT,
                    ) from None

    async def missing_fields(self, prepared: PreparedRequest) -> list[str]:
        """The fields whose value is no longer what we entered (a reset form, lost files)."""
        missing = []
        for field in self.profile.form.fields:
            if await self._applies(field, prepared) and not await holds(self.site, field, prepared):
                missing.append(field.name)
        return missing

    async def restore(self, prepared: PreparedRequest) -> list[str]:
        """Refill what the site dropped: only the files when only they went, else everything."""
        missing = await self.missing_fields(prepared)
        kinds = {f.name: f.kind for f in self.profile.form.fields}
        if missing and all(kinds[name] == "files" for name in missing):
            await self._fill(prepared, tuple(missing))
        elif missing:
            await self.fill(prepared)
        if missing:
            log.info("agent.form_refilled", fields=missing)
        return missing
