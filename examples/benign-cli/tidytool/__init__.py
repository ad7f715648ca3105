"""Tidy a git working tree."""
