"""1EdTech OneRoster 1.2 (rostering, out): the CSV bundle, the REST query grammar, errors.

- :mod:`.errors`: the ``imsx_StatusInfo`` error payload of the REST binding;
- :mod:`.query`: ``filter``, ``sort``/``orderBy``, ``fields``, ``limit``/``offset``;
- :mod:`.roster_collections`: the collections as SQL (one expression per OneRoster field);
- :mod:`.roster_reads`: paged, filtered reads of the canonical store (SQL);
- :mod:`.csv_tables`: the CSV files' columns; :mod:`.csv_bundle`: the zip, built streaming.
"""
