"""Registrations made from :meth:`LineageConfig.ready`."""


def connect() -> None:
    """Connect receivers and fill other apps' registries."""
