"""Errors that end a command with a one-line message instead of a traceback."""


class CourseError(Exception):
    """Bad input from the user or the course files: exit code 2, one line."""

    exit_code = 2
