"""A capability built only from its own folder, as a new one would be: one model, one page, one
navigation item, one flag kind and one job (tests/test_capabilities.py installs it beside the
product's capabilities and checks each contribution reaches the app)."""
