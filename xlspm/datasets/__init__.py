"""Sample, synthetic, demo and legacy workbook builders."""
