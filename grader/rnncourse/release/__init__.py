"""`rnncourse release`: writing the student edition of the course, and proving it
holds no solutions, hidden checks, mistakes or answer key.

build.py writes the edition (in a temporary folder next to OUT, renamed into
place only when everything below has passed); strip.py takes the hidden checks
out of the check modules; recording.py records the reference's and the known
mistakes' answers on the public checks' inputs while students.py's students
are checked; selftest.py checks the same students again with the edition
itself and compares; audit.py scans what was written for anything secret;
files.py holds the edition's own README, pyproject and manifest.

The instructor's tool: a student edition holds none of it. May import
atomic, checking, course, edition, errors and quiz.
"""
