"""Capacity-building training: sessions, sign-up with fair waitlists, attendance and hours."""
