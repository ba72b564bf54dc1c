from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from governance.classifications import services as classifications

from ... import classifying


class Command(BaseCommand):
    help = (
        "Retrain the classifier from the engine's generated data plus stewards' decisions "
        "(accepted, rejected and manually set classifications) and activate the new version."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--small", action="store_true", help="a reduced model (seconds)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--no-feedback", action="store_true", help="train from generated data only"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        classifications.ensure_system_classifications()
        feedback: list = []
        if not opts["no_feedback"]:
            feedback, warnings = classifying.feedback_items()
            for warning in warnings:
                self.stderr.write(warning)
        row = classifications.train_and_activate(
            feedback=feedback, small=opts["small"], seed=opts["seed"]
        )
        self.stdout.write(
            f"Trained and activated model {row.version} "
            f"({row.metadata.get('training_examples')} columns, {len(feedback)} from feedback, "
            f"{row.metadata.get('training_seconds')} s)."
        )
