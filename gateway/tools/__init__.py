"""Tools for people mapping a school onto the standards: dry runs and schema checks.

- :func:`gateway.tools.translate.translate`: the RIO requests the gateway would send for
  an OOAPI document (``gateway translate --from ooapi-v5 --to rio-v4 FILE``);
- :func:`gateway.tools.validate.validate`: every error of a document against the official
  schema, with its location (``gateway validate --standard rio-v4|ooapi-v5 FILE``).
"""
