"""Shared pieces of the entry forms: number fields, findings, selection of what to enter."""
