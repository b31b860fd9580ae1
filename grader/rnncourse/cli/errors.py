"""The error that ends a command on bad input: one line, exit code 2."""

import click


class InputError(click.ClickException):
    """Bad input from the user or the course files: one line, exit code 2."""

    exit_code = 2
