"""Measurements of the pipeline against reference data (summaries, timings)."""
