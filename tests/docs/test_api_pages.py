"""Every module users import has an API reference page: a `::: module` directive in a page
under docs/api/ that the site's nav lists, and every page under docs/api/ is in the nav."""
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"

#: the modules a user imports by name (the others are reached through these)
PUBLIC_MODULES = ("nnforge", "nnforge.autograd", "nnforge.creation", "nnforge.functions",
                  "nnforge.nn", "nnforge.nn.functional", "nnforge.nn.init", "nnforge.nn.utils",
                  "nnforge.optim", "nnforge.optim.lr_scheduler", "nnforge.data",
                  "nnforge.utils.data", "nnforge.train", "nnforge.diagnose", "nnforge.tune",
                  "nnforge.report", "nnforge.sklearn", "nnforge.config", "nnforge.build",
                  "nnforge.runs", "nnforge.backend", "nnforge.perf")


def documented_objects():
    """{dotted name after `:::`: page file name} over docs/api/."""
    found = {}
    for page in sorted(API.glob("*.md")):
        for name in re.findall(r"^::: (\S+)", page.read_text(encoding="utf-8"), re.M):
            found[name] = page.name
    return found


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_module_has_a_reference_page(module):
    importlib.import_module(module)
    assert module in documented_objects(), f"no page under docs/api/ has `::: {module}`"


def test_every_documented_object_exists():
    for name, page in documented_objects().items():
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attr in parts[cut:]:
                assert hasattr(obj, attr), f"docs/api/{page}: `::: {name}` names nothing"
                obj = getattr(obj, attr)
            break


def test_every_api_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [p.name for p in API.glob("*.md") if f"api/{p.name}" not in nav]
    assert not missing, f"API pages missing from mkdocs.yml's nav: {missing}"
