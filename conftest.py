"""Root pytest configuration: shared fixtures of every app are registered here."""

pytest_plugins = ["tests.fixtures"]
