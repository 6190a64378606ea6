"""Business rules shared by the web views, the REST API, imports and the CLI."""


class ValidationFailed(Exception):
    """Input broke a rule; `errors` maps a field name to its translated messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))
        self.errors = errors
