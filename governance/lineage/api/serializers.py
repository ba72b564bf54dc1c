from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import LineageEdge, PropagatedClassification
from ..propagation import HIDDEN_REASON, MAX_REASON


class GraphNodeSerializer(serializers.Serializer):
    """A table, a column (``parent``: its table) or an anonymous placeholder (``hidden``)
    standing for assets the viewer may not see: no name, type or count."""

    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["table", "column", "hidden"])
    hidden = serializers.BooleanField()
    label = serializers.CharField()
    name = serializers.CharField(required=False)
    table_kind = serializers.CharField(required=False)
    datasource = serializers.CharField(required=False)
    qualified_name = serializers.CharField(required=False)
    display_name = serializers.CharField(required=False)
    level = serializers.IntegerField(required=False, help_text="Negative upstream.")
    root = serializers.BooleanField(required=False)
    removed = serializers.BooleanField(required=False)
    url = serializers.CharField(required=False)
    parent = serializers.CharField(required=False)
    data_type = serializers.CharField(required=False)


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()
    level = serializers.ChoiceField(choices=["table", "column"])
    hidden = serializers.BooleanField()
    origins = serializers.ListField(child=serializers.CharField())
    blocked = serializers.BooleanField()


class GraphSerializer(serializers.Serializer):
    root = serializers.CharField()
    direction = serializers.CharField()
    depth = serializers.IntegerField()
    truncated = serializers.BooleanField()
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class ImpactRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField(source="pk")
    display_name = serializers.CharField()
    qualified_name = serializers.CharField()
    depth = serializers.IntegerField()
    via = serializers.CharField()
    origins = serializers.ListField(child=serializers.CharField())
    blocked = serializers.BooleanField()


class ImpactSerializer(serializers.Serializer):
    root = serializers.CharField()
    hidden = serializers.BooleanField(help_text="Some downstream assets are hidden from you.")
    truncated = serializers.BooleanField()
    rows = ImpactRowSerializer(many=True)


def _end(table: Any, column: Any) -> str:
    name = f"{table.schema.name}.{table.name}"
    return f"{name}.{column.name}" if column is not None else name


class LineageEdgeSerializer(serializers.ModelSerializer):
    upstream = serializers.SerializerMethodField()
    downstream = serializers.SerializerMethodField()
    upstream_qualified_name = serializers.CharField(
        source="upstream_table.qualified_name", read_only=True
    )
    downstream_qualified_name = serializers.CharField(
        source="downstream_table.qualified_name", read_only=True
    )

    class Meta:
        model = LineageEdge
        fields = [
            "id",
            "level",
            "upstream",
            "upstream_qualified_name",
            "upstream_table",
            "upstream_column",
            "downstream",
            "downstream_qualified_name",
            "downstream_table",
            "downstream_column",
            "origin",
            "origin_ref",
            "transformation",
            "first_seen",
            "last_seen",
            "closed_at",
            "propagation_blocked",
            "blocked_reason",
        ]
        read_only_fields = fields

    def get_upstream(self, obj: LineageEdge) -> str:
        return _end(obj.upstream_table, obj.upstream_column)

    def get_downstream(self, obj: LineageEdge) -> str:
        return _end(obj.downstream_table, obj.downstream_column)


class BlockSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_REASON, allow_blank=True, required=False)


class PropagatedClassificationSerializer(serializers.ModelSerializer):
    classification_code = serializers.CharField(source="classification.code", read_only=True)
    label = serializers.CharField(source="sensitivity_label.name", read_only=True, default=None)
    column_qualified_name = serializers.CharField(source="column.qualified_name", read_only=True)
    reason = serializers.SerializerMethodField()

    class Meta:
        model = PropagatedClassification
        fields = [
            "id",
            "column",
            "column_qualified_name",
            "datasource",
            "classification",
            "classification_code",
            "label",
            "via",
            "reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_reason(self, obj: PropagatedClassification) -> str:
        """Names the origin only if the viewer may see it (else a neutral sentence)."""
        shown = getattr(obj, "_origin_shown", False) and getattr(obj, "_via_shown", False)
        return obj.reason if shown else HIDDEN_REASON
