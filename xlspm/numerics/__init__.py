"""Excel arithmetic: ROUND, the 15-digit value, tiers, argument checks."""
