"""Excel surfaces: cell conversion, the UDF module and the Office.js server."""
