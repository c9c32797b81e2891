"""Reports of a scan: Markdown, JSON, text, GitHub annotations, SARIF, JUnit and the CI job summary."""
