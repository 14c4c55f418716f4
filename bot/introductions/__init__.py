"""Introductions: request, manager approval, the shared channel, and the follow-up."""
