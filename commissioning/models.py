"""The commissioning app's models, one package per concept."""

from commissioning.statement.models import PublishedStatement, StatementDraft

__all__ = ["PublishedStatement", "StatementDraft"]
