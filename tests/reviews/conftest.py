# The incubation path's fixtures (an applicant, an admitted and an incubating organization).
from tests.organizations.conftest import admitted, applicant, desk, incubating, manager_principal  # noqa: F401
