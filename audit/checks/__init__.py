"""The CI check: corpus figures, thresholds judged against them, and a baseline of accepted findings."""
