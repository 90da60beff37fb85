# The incubation path's fixtures (an applicant, an admitted and an incubating organization).
from tests.organizations.conftest import admitted, applicant, desk, incubating, manager_principal  # noqa: F401
from tests.test_query_counts import count_queries  # noqa: F401
