"""Fuzzing in CI: short bounded runs, saved crash inputs, Hypothesis properties."""
