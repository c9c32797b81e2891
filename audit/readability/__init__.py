"""Readability: textstat's formulas and a combined grade, on news-aware sentences and syllables."""
