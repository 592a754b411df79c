"""Callback requests: a resident asks a professional to call them back."""
