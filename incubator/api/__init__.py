"""The data API (/api/v1/): read-only JSON for the systems a district reports to, with personal
API tokens."""
