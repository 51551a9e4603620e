"""The aliexpress skin: a storefront shaped like the real AliExpress returns/refunds flow.

Login on a second origin in two steps, order pages with item lines, a parcel modal, the returns
page in a new tab, a wizard with cards and a custom dropdown, uploads on selection, an in-page
confirmation, and JSON answers in the mtop gateway's envelope. docs/storefront.md is its
specification.
"""

from __future__ import annotations

from mock_site.aliexpress.app import (
    DEFAULT_LOGIN_URL,
    PortDispatch,
    create_aliexpress_app,
    create_aliexpress_site,
)
from mock_site.aliexpress.login import create_login_app

__all__ = [
    "DEFAULT_LOGIN_URL",
    "PortDispatch",
    "create_aliexpress_app",
    "create_aliexpress_site",
    "create_login_app",
]
