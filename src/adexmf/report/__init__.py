"""The HTML report of a study (:func:`build_report`)."""

from .html import build_report

__all__ = ["build_report"]
