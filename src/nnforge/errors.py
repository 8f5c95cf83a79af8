"""Exception types shared across the library."""

__all__ = ["ArgumentError"]


class ArgumentError(ValueError):
    """A constructor or function argument with a value it cannot take.

    A ValueError (so ``except ValueError`` still catches it) that also names the argument,
    so a caller that built the call from a config can point at the config key that holds
    the value (``optimizer.lr``) without reading the message.

    Parameters
    ----------
    argument : str
        The keyword argument's name, e.g. ``"lr"``.
    message : str
        The one-line explanation, written as every other error of the library:
        ``"SGD(lr=-1): lr must be a non-negative number (>= 0), got -1"``.

    Examples
    --------
    >>> error = ArgumentError("lr", "SGD(lr=-1): lr must be >= 0")
    >>> error.argument, str(error), isinstance(error, ValueError)
    ('lr', 'SGD(lr=-1): lr must be >= 0', True)
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument

    def __reduce__(self) -> tuple:
        return type(self), (self.argument, str(self))    # picklable (worker processes)
