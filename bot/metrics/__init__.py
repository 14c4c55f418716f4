"""Engagement metrics: figures, the weekly digest, its chart, participation nudges."""
