"""The Benchmarks page of the site: bench/RESULTS.md with a chart drawn under each table that
compares nnforge with PyTorch, from the table's own numbers."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("benchmarks_hook",
                                               ROOT / "docs" / "hooks" / "benchmarks.py")
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

SAMPLE = """# Benchmark results

## Optimizer step (bench/optim_step.py)

| optimizer | parameters | nnforge µs/step | torch µs/step | ratio |
|---|---:|---:|---:|---:|
| SGD | 10,000 | 36 | 77 | 0.47 |
| Adam | 1,000,000 | **4,939** | 5,930 | **0.83** |

## Notes

| measurement | result |
|---|---|
| one | two |
"""


def test_numbers_are_read_from_formatted_cells():
    assert hook.number("**4,939**") == 4939.0
    assert hook.number("72.3 s") == 72.3
    assert hook.number("about 38 ms") is None
    assert hook.number("(direct convolution)") is None
    assert hook.number("Adam") is None


def test_only_comparison_tables_get_a_chart():
    page, images = hook.render(SAMPLE)
    assert list(images) == ["plot-1.png"]
    assert images["plot-1.png"][:8] == b"\x89PNG\r\n\x1a\n"
    lines = page.splitlines()
    chart = lines.index("![Optimizer step (bench/optim_step.py): chart of the table above]"
                        "(benchmark-plots/plot-1.png)")
    assert lines[chart - 2].startswith("| Adam |")          # right under its table
    assert "| one | two |" in lines                          # other tables unchanged
    assert "bench/RESULTS.md" in page.split("## Optimizer step")[0]


def test_chart_columns_pick_the_two_libraries_not_the_ratio():
    header = ["when", "code", "nnforge ms/step", "PyTorch ms/step", "nnforge / PyTorch"]
    assert hook.chart_columns(header) == [2, 3]
    assert hook.chart_columns(["measurement", "result"]) is None


def test_the_real_results_file_gets_charts():
    page, images = hook.render((ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8"))
    assert len(images) >= 5
    for name in images:
        assert f"(benchmark-plots/{name})" in page
