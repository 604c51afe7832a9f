"""One module (or package) per suite, each exposing ``suite``.

See :mod:`contract_tests.registry` for the names.
"""
