"""Reconciliation: pair, compare and explain legacy results against the engine."""
