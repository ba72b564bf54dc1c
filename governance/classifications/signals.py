"""Domain signals of the classifications app (higher layers listen; we never import them)."""

from django.dispatch import Signal

# Sent with ``classification_ids`` (list) when their effective sensitivity label changed.
labels_changed = Signal()
