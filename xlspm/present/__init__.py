"""Renderers: terminal text, JSON and xlsx reports (presentation only)."""
