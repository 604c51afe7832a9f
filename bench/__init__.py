"""Benchmarks of the gateway against the raw limit of what it sits on (``python -m bench``).

Each benchmark measures the raw limit (a bare producer, a plain Core insert) in the same run
and prints the gateway's figure as a ratio of it, beside the absolute numbers.
"""
