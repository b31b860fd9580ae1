"""What instructors and students read after grading: the class report
(grades.csv, report.html), per-student feedback and Gradescope results, all
built from the one result model.

May import results, course/, atomic and untrusted; never sandbox/, grading/ or cli/.
"""
