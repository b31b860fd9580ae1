"""The course through nbgrader: the assignment generator, the grader that
notebook test cells call, and reports from nbgrader's gradebook.

May import checking/, sandbox/, course/, reports/ and results; never grading/
or cli/.
"""
