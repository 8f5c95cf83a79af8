"""Whether ops record a graph: `no_grad()` and `enable_grad()` switch it off and on."""
import functools

enabled = True


def is_grad_enabled():
    """True when ops record the graph needed by `backward`."""
    return enabled


class _GradMode:
    _mode = True

    def __enter__(self):
        global enabled
        self._previous = enabled
        enabled = self._mode

    def __exit__(self, *exc):
        global enabled
        enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Context manager (or decorator) inside which no graph is built: for inference and
    for updating parameters in place."""

    _mode = False


class enable_grad(_GradMode):
    """Context manager (or decorator) that turns graph recording back on inside `no_grad`."""

    _mode = True


class inference_mode(_GradMode):
    """PyTorch's faster cousin of `no_grad`; in nnforge the two are the same."""

    _mode = False

    def __init__(self, mode=True):
        self._mode = not mode


class set_grad_enabled(_GradMode):
    """Switch recording on or off: as a function call, or as a context manager that restores
    the previous mode on exit."""

    def __init__(self, mode):
        global enabled
        self._mode = bool(mode)
        self._previous = enabled
        enabled = self._mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        global enabled
        enabled = self._previous
        return False
