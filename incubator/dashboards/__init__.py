"""District and park dashboards: every figure an official reports, drillable, exportable, and
frozen when a month is closed."""
