from tests.organizations.conftest import admitted, applicant, desk, incubating, manager_principal  # noqa: F401
