"""Say hello."""

__version__ = "1.0.0"


def greet(name: str, excited: bool = False) -> str:
    """Return a greeting for `name`."""
    mark = "!" if excited else "."
    return f"Hello, {name}{mark}"
