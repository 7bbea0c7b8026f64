"""Benchmarks of the playground, run from the project root (see bench/README.md)."""
