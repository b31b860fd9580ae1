"""Grading a class: the orchestrator, the pool of judge processes, the judge,
submissions and how their files are read (matching), the gradebook, the quiz in
class grading, and a student's hand-in for it (handin, `rnncourse submit`).

May import checking/, sandbox/, course/, reports/, quiz/, results and untrusted; never
cli/, click or rich (progress is reported through a callback object).
"""
