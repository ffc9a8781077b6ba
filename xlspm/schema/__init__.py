"""Input tables: columns, keys, dates, periods, rules, plans and their problems."""
