"""One storefront: its profile, its pages (order page, form, gates) and its answers."""
