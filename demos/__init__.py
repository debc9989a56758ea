"""Runnable lessons: ``python -m demos.<name> --help`` (classify, regression, nonlinear, shift)."""
