"""nbgrader's feedback pages, made to wrap the checks' output.

`nbgrader generate_feedback` renders each graded notebook with nbconvert's
classic template, whose output blocks never wrap: a failing check's message
and hint, one long line each, run off the right edge (and off a printed page).
WrapOutput, one of the feedback preprocessors in the nbgrader_config.py that
`rnncourse nbgrader init` writes, adds the style that wraps them.

Imported only by nbgrader (it needs nbconvert, which the nbgrader extra brings).
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

WRAP_CSS = ("div.output_area pre, div.output_subarea pre {white-space: pre-wrap; "
            "overflow-wrap: anywhere; word-break: normal;} "
            "div.output_subarea {overflow-x: visible;}")


class WrapOutput(Preprocessor):
    """Adds WRAP_CSS to the page's inline styles (after CSSHTMLHeaderPreprocessor)."""

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off by default

    def preprocess(self, nb, resources):
        inlining = resources.setdefault("inlining", {})
        inlining["css"] = [*inlining.get("css", []), WRAP_CSS]
        return nb, resources
