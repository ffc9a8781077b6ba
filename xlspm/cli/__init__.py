"""The ``xlspm`` command line."""
