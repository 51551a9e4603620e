"""The profile's pin: cookies set in a browser context before its first page.

A site that picks its interface language from a cookie (AliExpress: ``aep_usuc_f``,
``b_locale=en_US``) shows English when the profile sets that cookie first, as public
userscripts do: then the screenshots are in the English support reads. The cookies are set
for the site's host (``--site``, else the profile's ``base_url``), replacing any of the same
name a saved session holds.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import BrowserContext

from agent.log import get_logger
from agent.site.profile_model import SiteProfile

__all__ = ["pin_interface"]

log = get_logger("agent.pages")


async def pin_interface(context: BrowserContext, profile: SiteProfile, site_url: str) -> None:
    """Set the profile's ``[[pin.cookies]]`` in *context* for *site_url*'s host."""
    if not profile.pin_cookies:
        return
    parts = urlsplit(site_url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    await context.add_cookies(
        [
            {
                "name": cookie.name,
                "value": cookie.value,
                "domain": host,
                "path": cookie.path,
                "secure": secure,
                "sameSite": "Lax",
            }
            for cookie in profile.pin_cookies
        ]
    )
    log.info("agent.interface_pinned", cookies=[c.name for c in profile.pin_cookies], host=host)
