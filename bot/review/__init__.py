"""Conversation review and analytics for staff.

Conversations are read from Rasa's SQL tracker store (tracker.py), parsed
into turns (transcripts.py), reviewed and corrected in the portal (pages.py,
models.py), exported as Rasa NLU training data (export.py) and summed up for
managers (analytics.py, analytics_pages.py).
"""
