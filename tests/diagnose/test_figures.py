"""drawing_axes: the caller's axes are used as they are; a new figure is saved to the path
and closed, also when the drawing fails."""
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnforge.diagnose.figures import drawing_axes  # noqa: E402


def test_a_new_figure_is_saved_and_closed(tmp_path):
    path = tmp_path / "plot.png"
    before = set(plt.get_fignums())
    with drawing_axes(None, (3, 2), path) as ax:
        ax.plot([0, 1], [1, 0])
        assert tuple(ax.figure.get_size_inches()) == (3.0, 2.0)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(plt.get_fignums()) == before


def test_no_path_saves_nothing(tmp_path):
    with drawing_axes(None, (3, 2)) as ax:
        ax.plot([0, 1], [1, 0])
    assert list(tmp_path.iterdir()) == []


def test_the_callers_axes_are_drawn_on_and_left_open(tmp_path):
    figure, given = plt.subplots()
    try:
        with drawing_axes(given, (3, 2), tmp_path / "ignored.png") as ax:
            assert ax is given
        assert plt.fignum_exists(figure.number)
        assert not (tmp_path / "ignored.png").exists()
    finally:
        plt.close(figure)


def test_a_failing_drawing_closes_its_figure(tmp_path):
    before = set(plt.get_fignums())
    with pytest.raises(RuntimeError, match="drawing failed"):
        with drawing_axes(None, (3, 2), tmp_path / "plot.png"):
            raise RuntimeError("drawing failed")
    assert set(plt.get_fignums()) == before
    assert not (tmp_path / "plot.png").exists()
