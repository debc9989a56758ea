"""README's Python examples run as written and do what their comments promise (so the
README stays true)."""

import math
import pathlib
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def training_learns(ns, losses, tmp_path):
    """The Example: the loss "starts near ln(10) = 2.30" and 100 steps on one batch drive
    it close to zero; the second derivative of w ** 3 is "w.grad == 6 * w"."""
    assert len(losses) == 100
    assert abs(losses[0] - math.log(10)) < 0.1, losses[0]
    assert losses[-1] < 0.01 and ns["loss"].item() == losses[-1], losses[-1]
    w = ns["w"]
    np.testing.assert_array_equal(w.grad.array, 6 * w.array)


def graph_is_drawn(ns, losses, tmp_path):
    """Seeing the graph: graph.svg is written, with parameter names and one labelled
    cluster per module call (Linear -> ReLU -> Linear)."""
    svg = (tmp_path / "graph.svg").read_text()
    source = ns["dot"].source
    for text in ("0: Linear", "1: ReLU", "2: Linear", "0.weight", "2.bias",
                 "FusedLinear", "SoftmaxCrossEntropy"):
        assert text in source, text
    assert "0.weight" in svg and "SoftmaxCrossEntropy" in svg


def custom_op_works(ns, losses, tmp_path):
    """Writing your own op: Cube computes x ** 3 and its gradient 3 x ** 2 (the example
    itself asserts gradcheck and gradgradcheck)."""
    x = ns["x"]
    y = ns["Cube"].apply(x)
    np.testing.assert_allclose(y.array, x.array ** 3, rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, 3 * x.array ** 2, rtol=1e-12)


def checkpoint_restores(ns, losses, tmp_path):
    """Saving and loading: the checkpoint restores the model and the optimizer."""
    back = mg.load(tmp_path / "checkpoint.safetensors")
    assert back["epoch"] == 5 and set(back["model"]) == set(ns["model"].state_dict())
    assert back["optim"]["param_groups"] == ns["opt"].state_dict()["param_groups"]


def torch_round_trip(ns, losses, tmp_path):
    """The torch round trip: after it, minigrad's model holds torch's weights."""
    for name, value in ns["twin"].state_dict().items():
        np.testing.assert_array_equal(np.asarray(ns["model"].state_dict()[name]),
                                      value.numpy())


def one_line_tests_pass(ns, losses, tmp_path):
    """Checking an op with one line: the generated tests run, and pass for log and mul."""
    ns["test_log"]()
    ns["test_mul"]()


# A text that occurs in exactly one example -> what that example promises.
PROMISES = {
    "optim.SGD(": training_learns,
    "draw_graph(loss, params=model)": graph_is_drawn,
    "class Cube(": custom_op_works,
    "op_test(": one_line_tests_pass,
    '"checkpoint.safetensors")': checkpoint_restores,
    "safetensors.torch.load_file(": torch_round_trip,
}


def test_every_promise_is_checked_on_one_example():
    for key in PROMISES:
        assert sum(key in block for block in BLOCKS) == 1, \
            f"README should have exactly one Python example containing {key!r}"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs_and_keeps_its_promises(index, tmp_path, monkeypatch):
    if "import torch" in BLOCKS[index]:
        pytest.importorskip("torch")  # (the suite runs without torch too)
    monkeypatch.chdir(tmp_path)  # examples may write files (graph.svg)
    losses = []
    cross_entropy = F.cross_entropy

    def recorded(*args, **kwargs):  # the Example keeps only its last loss
        loss = cross_entropy(*args, **kwargs)
        losses.append(loss.item())
        return loss

    monkeypatch.setattr(F, "cross_entropy", recorded)
    namespace: dict = {}
    exec(compile(BLOCKS[index], f"README.md example {index}", "exec"), namespace)
    for key, check in PROMISES.items():
        if key in BLOCKS[index]:
            check(namespace, losses, tmp_path)
