"""The dispute form: fill it, keep it filled, know what it holds.

The fields, their kinds and their order come from the profile's ``[[form.fields]]``; each kind
knows how to enter a value (`agent.site.fields`) and read it back (`agent.site.readback`).
Before anything is typed, the request is checked against the limits the form declares
(`check_limits`); once filled, the form is read back (`read_back`) so that a field that does not
hold what the request asked refuses the run before anything is sent (`confirm_filled`).
"""

from __future__ import annotations

import asyncio

from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import InvalidField, ProfileMismatch, UnexpectedPage
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.fields import enter
from agent.site.flow_rules import Field
from agent.site.gates import check_gates
from agent.site.locate import CHECK_HINT, SitePage, stuck_reason
from agent.site.readback import Reading, declared_limit, read_field
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

    async def check_limits(self, prepared: PreparedRequest) -> None:
        """Refuse a request the form's declared limits cannot take (`InvalidField`, exit 2):
        a message past the ``maxlength`` the browser would cut, an amount past the ``max``..."""
        for field in self.profile.form.fields:
            if await self._applies(field, prepared):
                problem = await declared_limit(self.site, field, prepared)
                if problem is not None:
                    log.warning("agent.form_limit", field=field.name, what=problem.what)
                    raise problem

    async def read_back(self, prepared: PreparedRequest) -> dict[str, Reading]:
        """What every field that applies holds now, by field name (the reads side by side)."""
        applying = [f for f in self.profile.form.fields if await self._applies(f, prepared)]
        readings = await asyncio.gather(*(read_field(self.site, f, prepared) for f in applying))
        return {f.name: reading for f, reading in zip(applying, readings, strict=True)}

    async def confirm_filled(self, prepared: PreparedRequest) -> dict[str, str]:
        """Read the filled form back before it is sent; what it holds, by field name.

        A field that does not hold what the request asked for (the site cut the message,
        dropped a choice) refuses the run: `InvalidField` saying what the form took, exit 2,
        before anything is sent.
        """
        readings = await self.read_back(prepared)
        for field in self.profile.form.fields:
            reading = readings.get(field.name)
            if reading is not None and not reading.holds:
                raise _not_held(field, reading, prepared)
        return {name: reading.value for name, reading in readings.items()}

    async def missing_fields(self, prepared: PreparedRequest) -> list[str]:
        """The fields whose value is no longer what we entered (a reset form, lost files)."""
        readings = await self.read_back(prepared)
        return [name for name, reading in readings.items() if not reading.holds]

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


def _not_held(field: Field, reading: Reading, prepared: PreparedRequest) -> InvalidField:
    """The refusal for a field that does not hold what the request asked for."""
    request_field = "item" if field.kind == "items" else field.value
    asked = prepared.request.message
    held = reading.value
    if field.kind == "text" and held and asked.startswith(held) and len(held) < len(asked):
        return InvalidField(
            f"the form's {field.name} field kept {len(held)} of the message's {len(asked)} "
            f"characters: it takes at most {len(held)}",
            field="message",
            hint=f"shorten the message to {len(held)} characters (and set max_chars = "
            f"{len(held)} on the profile's message field)",
            context={"length": len(asked), "kept": len(held)},
        )
    shown = held if len(held) <= 80 else held[:77] + "..."
    return InvalidField(
        f"the form's {field.name} field holds {shown!r} after it was filled, not what the "
        "request asked",
        field=request_field,
        hint="the form does not take this value: see the form-filled screenshot, and "
        "`retry-dispute check` on the site",
        context={"held": held, "form_field": field.name},
    )
