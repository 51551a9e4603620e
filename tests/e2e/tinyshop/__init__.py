"""TinyShop: a third, tiny storefront with a flow of another shape, driven by a profile alone."""
