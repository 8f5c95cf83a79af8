"""CSV loading: features, target by name, sorted string-label mapping, task inference, and
one clear message per malformed file (naming file, line and column)."""
import numpy as np
import pytest

from nnforge.data import CSVFormatError, load_csv


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_string_labels_are_mapped_in_sorted_order(tmp_path):
    path = write(tmp_path, "height,species,weight\n1.5,dog,20\n0.3,cat,4.5\n2,dog,30\n"
                           "0.2,ant,0.001\n")
    data = load_csv(path, "species")
    assert data.task == "classification" and data.class_names == ["ant", "cat", "dog"]
    np.testing.assert_array_equal(data.y, [2, 1, 2, 0])
    assert data.y.dtype == np.int64 and data.X.dtype == np.float32
    assert data.feature_names == ["height", "weight"]
    np.testing.assert_allclose(data.X, [[1.5, 20], [0.3, 4.5], [2, 30], [0.2, 0.001]],
                               rtol=1e-6)
    assert data.name == "data.csv"


def test_numeric_labels_sort_numerically_and_regression_inferred(tmp_path):
    path = write(tmp_path, "a;b;label\n1;2;10\n3;4;9\n5;6;10.0\n")
    data = load_csv(path, "label", delimiter=";")
    assert data.class_names == ["9", "10"]
    np.testing.assert_array_equal(data.y, [1, 0, 1])
    reg = load_csv(write(tmp_path, "x,y\n1,0.5\n2,1.25\n", "r.csv"), "y")
    assert reg.task == "regression" and reg.y.dtype == np.float32 and reg.class_names is None
    np.testing.assert_allclose(reg.y, [0.5, 1.25])
    forced = load_csv(path, "label", delimiter=";", task="regression")
    np.testing.assert_allclose(forced.y, [10, 9, 10])


def test_saved_class_names_are_reused(tmp_path):
    path = write(tmp_path, "x,c\n1,dog\n2,cat\n")
    data = load_csv(path, "c", class_names=["cat", "dog", "emu"])
    np.testing.assert_array_equal(data.y, [1, 0])
    with pytest.raises(CSVFormatError, match=r"line 3, column 'c': label 'cat' is not one of "
                                             r"the model's classes \['dog', 'emu'\]"):
        load_csv(path, "c", class_names=["dog", "emu"])


@pytest.mark.parametrize("text, target, message", [
    ("", "y", r"is empty: expected a header row"),
    ("\n\n", "y", r"is empty"),
    ("1,2,3\n4,5,6\n", "y", r"line 1 is all numbers; a header row naming the columns is "
                            r"required"),
    ("a,b,y\n1,2,0\n", "label", r"no target column 'label'; available columns: 'a', 'b', 'y'"),
    ("a,b,y\n", "y", r"a header but no data rows"),
    ("a,b,y\n1,2,0\n3,oops,1\n", "y", r"line 3, column 'b': non-numeric value 'oops'"),
    ("a,b,y\n1,2,0\n3,,1\n", "y", r"line 3, column 'b': missing value"),
    ("a,b,y\n1,NA,0\n", "y", r"line 2, column 'b': missing value \('NA'\)"),
    ("a,b,y\n1,2,0\n3,4\n", "y", r"line 3: 2 fields but the header has 3"),
    ("a,b,y\n1,2,\n", "y", r"line 2, column 'y': missing target value"),
    ("a,y\n1,cat\n", "y", None),
])
def test_each_bad_file_gets_one_clear_message(tmp_path, text, target, message):
    path = write(tmp_path, text)
    if message is None:                       # control: a good file loads
        assert load_csv(path, target).class_names == ["cat"]
        return
    with pytest.raises(CSVFormatError, match=message) as info:
        load_csv(path, target)
    assert "data.csv" in str(info.value)


def test_regression_with_text_target_and_missing_file(tmp_path):
    path = write(tmp_path, "a,y\n1,cat\n")
    with pytest.raises(CSVFormatError, match=r"line 2, column 'y': non-numeric target 'cat'"):
        load_csv(path, "y", task="regression")
    with pytest.raises(CSVFormatError, match=r"cannot read it"):
        load_csv(tmp_path / "missing.csv", "y")
    with pytest.raises(ValueError, match=r"load_csv\(task\)"):
        load_csv(path, "y", task="ranking")
