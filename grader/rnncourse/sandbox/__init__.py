"""Running student code: the student process and the judge's handle on it,
the fork server, the worker inside the student process, Landlock and seccomp,
the shared-state watch, the wire format and its channel, the isolation probe,
and the in-kernel backend that nbgrader's notebooks use.

Imports nothing from the rest of rnncourse (only the standard library and
numpy) but rnncourse.untrusted, the sanitiser of student text, which the
judge's side (calls.py) applies where that text enters: the fork server loads
this package alone, so it holds no checks, solutions, mistakes or gradebooks,
and neither do the student processes.
"""
