"""Concept quizzes: the bank and its locking, answers files, grading, and the
interactive session.

The published API for class grading lives here: load_bank(course),
graded_questions(course, bank), read_answers(path, strict),
grade_answers(bank, answers, questions) and QuizResult.
May import course/, atomic and untrusted; never sandbox/, checking/, grading/ or cli/.
"""

from rnncourse.quiz.grading import (
    QuizResult,
    grade_answers,
    graded_questions,
    load_bank,
    read_answers,
)

__all__ = ["QuizResult", "grade_answers", "graded_questions", "load_bank", "read_answers"]
