"""accuracy, confusion_matrix, per_class_accuracy, classification_report."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    per_class_accuracy,
)


def test_accuracy_from_labels_logits_and_tensors():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    logits = np.array([[2.0, 0.1], [0.3, 0.2], [0.0, 5.0]])  # argmax 0, 0, 1
    assert accuracy(logits, [0, 1, 1]) == pytest.approx(2 / 3)
    assert accuracy(mg.tensor(logits), mg.tensor([0, 0, 1])) == 1.0
    assert accuracy(mg.tensor(logits, requires_grad=True), np.array([1, 1, 0])) == 0.0
    assert accuracy(np.array([1.0, 0.0]), [1, 0]) == 1.0  # integral floats are labels
    assert isinstance(accuracy([1], [1]), float)


def test_accuracy_errors():
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="no predictions"):
        accuracy([], [])
    with pytest.raises(TypeError, match="non-integer floats"):
        accuracy([0.2, 0.9], [0, 1])


def test_confusion_matrix_by_hand():
    # true:  0 0 1 1 1 2
    # pred:  0 1 1 1 2 0
    m = confusion_matrix([0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 1, 2])
    np.testing.assert_array_equal(m, [[1, 1, 0],
                                      [0, 2, 1],
                                      [1, 0, 0]])
    assert m.dtype == np.int64
    wide = confusion_matrix([0], [0], num_classes=4)
    assert wide.shape == (4, 4) and wide.sum() == 1
    logits = np.zeros((2, 5))
    assert confusion_matrix(logits, [0, 0]).shape == (5, 5)  # classes from the logits


# With one class sklearn warns that its 1x1 matrix may lack labels; here that is the case
# under test (num_classes=1, labels=[0]), so the warning says nothing.
@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@given(st.integers(1, 6).flatmap(lambda c: st.tuples(
    st.just(c), st.lists(st.tuples(st.integers(0, c - 1), st.integers(0, c - 1)),
                         min_size=1, max_size=60))))
def test_confusion_matrix_matches_sklearn(case):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    c, pairs = case
    pred, target = np.array(pairs).T
    ours = confusion_matrix(pred, target, num_classes=c)
    np.testing.assert_array_equal(ours, sk_confusion_matrix(target, pred, labels=range(c)))
    assert ours.sum() == len(pred)
    np.testing.assert_allclose(np.trace(ours) / len(pred), accuracy(pred, target))


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="target label 3 is out of range for 3 classes"):
        confusion_matrix([0, 1], [0, 3], num_classes=3)
    with pytest.raises(ValueError, match="prediction label -1"):
        confusion_matrix([-1, 1], [0, 1])
    with pytest.raises(ValueError, match="at least 1"):
        confusion_matrix([0], [0], num_classes=0)


def test_per_class_accuracy_reveals_a_class_at_zero():
    target = np.array([0] * 95 + [1] * 5)
    pred = np.zeros(100, int)  # always class 0: 95% overall
    assert accuracy(pred, target) == 0.95
    np.testing.assert_array_equal(per_class_accuracy(pred, target), [1.0, 0.0])
    with_absent = per_class_accuracy([0, 1], [0, 1], num_classes=3)
    assert with_absent[:2].tolist() == [1.0, 1.0] and np.isnan(with_absent[2])


def test_classification_report_by_hand():
    text = classification_report([0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 1, 2],
                                 class_names=["cat", "dog", "bird"])
    lines = text.splitlines()
    assert lines[0] == "accuracy 50.00% (3 of 6)"
    assert lines[2].split() == ["class", "name", "samples", "correct", "accuracy", "most",
                                "often", "mistaken", "for"]
    assert lines[3].split() == ["0", "cat", "2", "1", "50.00%", "dog", "(1)"]
    assert lines[4].split() == ["1", "dog", "3", "2", "66.67%", "bird", "(1)"]
    assert lines[5].split() == ["2", "bird", "1", "0", "0.00%", "cat", "(1)", "<-", "worst"]
    assert "confusion matrix (rows = true class, columns = predicted):" in text
    assert lines[-4].split() == ["true\\pred", "0", "1", "2"]
    assert [row.split() for row in lines[-3:]] == [["0", "1", "1", "0"], ["1", "0", "2", "1"],
                                                   ["2", "1", "0", "0"]]


def test_classification_report_without_names_and_with_a_missing_class():
    text = classification_report(mg.tensor([[0.9, 0.1, 0.0]] * 2), [0, 0], num_classes=3)
    assert "accuracy 100.00% (2 of 2)" in text
    rows = text.splitlines()[3:6]
    assert rows[2].split() == ["2", "2", "0", "0", "-"]
    assert "worst" not in text


def test_classification_report_errors():
    with pytest.raises(ValueError, match="2 class names for 3 classes"):
        classification_report([0, 2], [0, 1], class_names=["a", "b"], num_classes=3)
    with pytest.raises(ValueError, match="out of range for 2 classes"):
        classification_report([0, 2], [0, 1], class_names=["a", "b"])
