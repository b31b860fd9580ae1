"""Kept for notebooks generated before the package layout changed: their test
cells import NotebookGrader from here. New notebooks import rnncourse.nbgrader.cells."""

from rnncourse.nbgrader.cells import MIMETYPE, NotebookGrader

__all__ = ["MIMETYPE", "NotebookGrader"]
