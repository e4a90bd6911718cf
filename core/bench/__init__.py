"""Benchmarks: the speed figures, their data and models, the command's flags."""
