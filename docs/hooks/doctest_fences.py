"""Griffe extension: interactive examples in docstrings (`>>>` lines and the output under
them) are shown as Python console code blocks instead of being read as Markdown."""
import griffe


def fence_doctests(text):
    """Wrap each run of `>>>` lines and their output, up to a blank line, in a pycon fence."""
    out, inside = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if not inside and stripped.startswith(">>>"):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
