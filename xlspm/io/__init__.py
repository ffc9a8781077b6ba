"""Files: the xlsx reader, legacy results tables, recalculation, partitioned sources."""
