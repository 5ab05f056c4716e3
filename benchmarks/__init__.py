"""Benchmarks that are run by hand, not by the test suite (their peers are the ``bench`` extra)."""
