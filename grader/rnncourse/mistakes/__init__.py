"""Known-wrong implementations, written the way students write them.

Each module ``rnncourse.mistakes.<exercise>`` defines ``MISTAKES``: for each
function, the misconceptions (ids of course.toml's [misconception.*] tables)
and a function with the same signature that makes that mistake. Checks name a
misconception when the student's output matches one of these (checking.diagnose).
"""
