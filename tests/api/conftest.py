"""The pages' access-matrix world, for the API's own matrix (test_api_access.py)."""

from tests.test_access_matrix import world  # noqa: F401  (a fixture)
