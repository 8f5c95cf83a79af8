"""MkDocs hook: the Benchmarks page is bench/RESULTS.md, with a bar chart drawn under every
table that compares nnforge with PyTorch (and under the dropout and search-strategy tables).

The charts are drawn from the numbers printed in the tables, at build time; no benchmark is
run. Both the page and the PNGs are generated files, so nothing is written into docs/.
"""
import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "RESULTS.md"
PAGE = "benchmarks.md"
PLOTS = "benchmark-plots"
INTRO = ("*This page is `bench/RESULTS.md` from the repository, as measured by the scripts "
         "in `bench/`. The charts are drawn from the tables' own numbers when the site is "
         "built; lower is better for times and errors, higher for accuracies.*\n")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def number(cell):
    """The first number in a table cell ('**1.66**', '2,206', '72.3 s'), or None."""
    text = cell.replace("*", "").strip()
    match = NUMBER.match(text)
    if not match or text.lower().startswith(("about", "(")):
        return None
    return float(match.group().replace(",", ""))


def tables(lines):
    """(first line index, last line index, header cells, rows of cells) of each table."""
    found, i = [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and set(
                lines[i + 1].replace("|", "").strip()) <= set("-: ") and "-" in lines[i + 1]:
            start = i
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            found.append((start, i - 1, header, rows))
        else:
            i += 1
    return found


def chart_columns(header):
    """Which numeric columns to chart for a table, or None when it is not a comparison."""
    low = [h.lower() for h in header]
    torch = ["torch" in h for h in low]
    ours = [i for i, h in enumerate(low) if "nnforge" in h and not torch[i]]
    theirs = [i for i, h in enumerate(low) if torch[i] and "nnforge" not in h]
    if ours and theirs:
        return [ours[0], theirs[0]]
    if "library" in low and "test accuracy" in low:
        return [low.index("test accuracy")]
    if "test error %" in low:
        return [low.index("test error %")]
    if "best val_accuracy" in low and "epochs" in low:
        return [low.index("epochs")]
    return None


def draw(header, rows, columns, title):
    """A horizontal grouped bar chart of `columns`, one group per row; PNG bytes or None."""
    labels, values = [], []
    derived = [i for i, h in enumerate(header) if "ratio" in h.lower() or " / " in h]
    label_cols = [i for i in range(len(header)) if i not in columns and i not in derived][:2]
    for row in rows:
        if len(row) != len(header):
            continue
        picked = [number(row[c]) for c in columns]
        if any(v is None for v in picked):
            continue
        labels.append(" / ".join(row[i].replace("*", "").replace("`", "")[:48]
                                 for i in label_cols))
        values.append(picked)
    if len(values) < 2:
        return None
    height = 0.8 / len(columns)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(values) * max(1, len(columns) * 0.8) + 1.2))
    for k, c in enumerate(columns):
        ys = [i + k * height for i in range(len(values))]
        ax.barh(ys, [v[k] for v in values], height=height,
                label=header[c].replace("*", ""))
    flat = [v for row in values for v in row if v > 0]
    if flat and max(flat) / min(flat) > 100:
        ax.set_xscale("log")
    ax.set_yticks([i + height * (len(columns) - 1) / 2 for i in range(len(values))])
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=90)
    plt.close(fig)
    return out.getvalue()


def render(text):
    """The page's Markdown and {file name: PNG bytes} of its charts."""
    lines = text.splitlines()
    section, sections = "", {}
    for i, line in enumerate(lines):
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        sections[i] = section
    inserts, images = {}, {}
    for start, end, header, rows in tables(lines):
        columns = chart_columns(header)
        if columns is None:
            continue
        png = draw(header, rows, columns, sections[start])
        if png is None:
            continue
        name = f"plot-{len(images) + 1}.png"
        images[name] = png
        inserts[end] = f"\n![{sections[start]}: chart of the table above]({PLOTS}/{name})\n"
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i == 0 and line.startswith("# "):
            out.append("\n" + INTRO)
        if i in inserts:
            out.append(inserts[i])
    return "\n".join(out) + "\n", images


IMAGE = re.compile(r"!\[([^\]]*)\]\((?!https?:)([^)\s]+\.png)\)")


def bench_images(page, images):
    """The page with its own image links (PNGs saved by the bench scripts beside
    RESULTS.md) pointing at copies published with the charts."""
    def publish(match):
        source = RESULTS.parent / match.group(2)
        if not source.is_file():
            return match.group(0)
        images[source.name] = source.read_bytes()
        return f"![{match.group(1)}]({PLOTS}/{source.name})"
    return IMAGE.sub(publish, page)


def on_files(files, config):
    page, images = render(RESULTS.read_text(encoding="utf-8"))
    page = bench_images(page, images)
    files.append(File.generated(config, PAGE, content=page))
    for name, png in images.items():
        files.append(File.generated(config, f"{PLOTS}/{name}", content=png))
    return files
