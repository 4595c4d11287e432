"""Latency, throughput and quality benchmarks -> BENCHMARKS.md (run ``python -m benchmarks``)."""
