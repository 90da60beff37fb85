"""Shared-space booking: rules per space, quotas per organization, bookings that never overlap."""
