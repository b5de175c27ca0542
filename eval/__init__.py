"""promptsmith's evaluation scripts (run from the repository root)."""
