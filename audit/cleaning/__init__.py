"""Cleaning a corpus: a plan decided from a scan's findings, written back in the input's own form with a removal log."""
