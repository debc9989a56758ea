"""Regenerate the graph pictures in docs/images: ``python docs/images/make_graphs.py``."""

from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.viz import draw_graph

HERE = Path(__file__).parent


def scalar(out: Path = HERE / "graph_scalar", fmt: str = "svg") -> None:
    """micrograd's example expression, every value named and shown with its gradient."""
    a, b = mg.tensor(2.0, requires_grad=True), mg.tensor(-3.0, requires_grad=True)
    c, f = mg.tensor(10.0, requires_grad=True), mg.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    L = d * f
    for t in (e, d, L):
        t.retain_grad()  # so the intermediates' .grad are kept for the picture
    L.backward()
    dot = draw_graph(L, params=dict(a=a, b=b, c=c, e=e, d=d, f=f, L=L),
                     show_data=True, show_grad=True)
    dot.render(out, format=fmt, cleanup=True)


def mlp(out: Path = HERE / "graph_mlp", fmt: str = "svg") -> None:
    """A 784-256-128-10 MLP on a batch of 64 with cross-entropy loss."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    x, y = mg.randn(64, 784), mg.tensor(np.arange(64) % 10)
    loss = F.cross_entropy(model(x), y)
    draw_graph(loss, params=model).render(out, format=fmt, cleanup=True)


if __name__ == "__main__":
    scalar()
    mlp()
