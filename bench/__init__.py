"""Benchmarks: `make bench` (python -m bench) prints a table and rewrites bench/RESULTS.md."""
