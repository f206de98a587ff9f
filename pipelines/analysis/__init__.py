"""Person analysis: pose, person mask, body-part parsing and per-slot agnostic maps."""

from pipelines.analysis.analyzer import PersonAnalyzer

__all__ = ["PersonAnalyzer"]
