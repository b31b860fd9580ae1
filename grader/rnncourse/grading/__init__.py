"""Grading a class: the orchestrator, the pool of judge processes, the judge,
submissions, the gradebook and the quiz in class grading.

May import checking/, sandbox/, course/, reports/, quiz/, results and untrusted; never
cli/, click or rich (progress is reported through a callback object).
"""
