"""Organization pages, one module per page family; the manifest collects their routes.

- path: the list, the organization's page, its timeline and stage changes, registration overdue
- profile: the profile, the registration track, the credit code checked as typed
- admission: the public application and its receipt, the admission review
- documents: documents and follow-up check-ins
- imports: the spreadsheet import
- settings: the park's admission scorecard, the service domains
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from incubator.organizations.routes import admission, documents, imports, path, profile, settings

routes: list[BaseRoute] = [*path.routes, *profile.routes, *admission.routes, *documents.routes, *imports.routes,
                           *settings.routes]
