"""Tests of the importers package (question files into dataclasses)."""
