"""Timed, randomised exams: definitions, candidates, papers, answers, grading and exam rooms."""
