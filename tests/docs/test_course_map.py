"""The course map names, for each of the course's fourteen areas, modules, a tutorial and
runnable examples that exist; every tutorial is reachable from it and from the nav."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def rows():
    table = [line for line in (DOCS / "course-map.md").read_text().splitlines()
             if line.startswith("| **")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table]


def test_fourteen_areas_each_with_module_tutorial_and_example():
    found = rows()
    assert len(found) == 14
    for area, _what, modules, tutorials, examples in found:
        assert re.search(r"\]\((api/[a-z_]+\.md|benchmarks\.md)\)", modules) or "tests/" in modules, area
        assert re.search(r"\]\(tutorials/\d\d_[a-z_]+\.py\)", tutorials), area
        named = re.findall(r"`([\w/]+\.(?:py|toml))`", examples)
        assert named, area
        for name in named:
            assert (ROOT / "examples" / name).exists() or (ROOT / name).exists(), (area, name)


def test_links_point_at_files_that_exist():
    generated = {"benchmarks.md"}          # written at build time by docs/hooks/benchmarks.py
    text = (DOCS / "course-map.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert (DOCS / target).exists() or target in generated, target


def test_every_tutorial_is_in_the_map_and_in_the_nav():
    tutorials = sorted(p.name for p in (DOCS / "tutorials").glob("[0-9][0-9]_*.py"))
    assert len(tutorials) >= 12
    course_map = (DOCS / "course-map.md").read_text()
    nav = (ROOT / "mkdocs.yml").read_text()
    for name in tutorials:
        assert f"tutorials/{name}" in course_map, name
        assert f"tutorials/{name}" in nav, name


def test_tutorials_are_percent_scripts_with_prose():
    for path in sorted((DOCS / "tutorials").glob("[0-9][0-9]_*.py")):
        text = path.read_text()
        assert "formats: py:percent" in text, path.name
        prose = [line for line in text.splitlines() if line.startswith("# ") or line == "#"]
        code_cells = text.count("\n# %%\n")
        assert text.count("# %% [markdown]") >= 4 and code_cells >= 3, path.name
        assert len(prose) > 40, f"{path.name}: a tutorial teaches in prose, not only code"


def test_every_page_is_in_the_nav_or_excluded():
    """A page that is neither in the nav nor excluded is built but unreachable from the
    menu; mkdocs reports that only as INFO, so --strict does not catch it."""
    config = (ROOT / "mkdocs.yml").read_text()
    excluded = re.search(r"exclude_docs: \|\n((?:  .*\n)+)", config)
    excluded = excluded.group(1).split() if excluded else []
    nav = config[config.index("\nnav:"):]
    for page in sorted(DOCS.rglob("*.md")):
        name = page.relative_to(DOCS).as_posix()
        if any(name == e or name.startswith(e) for e in excluded):
            continue
        assert f" {name}" in nav or f"- {name}" in nav, f"{name} is neither in the nav nor excluded"
