"""Concept quizzes: the bank and its locking, answers files, grading, and the
interactive session.

The published API for class grading lives here: load_bank(course),
read_answers(path), grade_answers(bank, answers) and QuizResult.
May import course/, atomic and untrusted; never sandbox/, checking/, grading/ or cli/.
"""

from rnncourse.quiz.grading import QuizResult, grade_answers, load_bank, read_answers

__all__ = ["QuizResult", "grade_answers", "load_bank", "read_answers"]
