"""Placeholder."""


def init_app(app):
    """Register nothing yet."""
