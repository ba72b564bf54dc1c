"""Settings package: ``base`` for every environment, ``test`` and ``prod`` on top of it."""

from .base import *  # noqa: F403
