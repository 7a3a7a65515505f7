"""Helpers shared by the test suites (harnesses for external clients, fixtures)."""
