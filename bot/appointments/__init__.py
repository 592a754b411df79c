"""Bookable appointment times and bookings, behind a replaceable store."""
