"""Regenerate every picture in docs/images: ``python docs/images/make_images.py`` from the
clone's root (``--only NAME`` for one).

The demo figures are what the demos write today, from the commands in ``DEMOS`` (the
README's commands, one BLAS thread); the graph diagrams are drawn here.
"""

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))  # the clone's root: demos/ and minigrad/

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import nn  # noqa: E402

# picture: (demo, its options, the file the demo writes)
DEMOS = {
    "curves_digits.png": ("classify", ["--quiet"], "curves.png"),
    "regression.png": ("regression", [], "regression.png"),
    "nonlinear.png": ("nonlinear", [], "nonlinear.png"),
    "shift.png": ("shift", [], "shift.png"),
}


def scalar(out: Path = HERE / "graph_scalar", fmt: str = "svg") -> None:
    """micrograd's example expression, every value named and shown with its gradient."""
    from minigrad.viz import draw_graph

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
    from minigrad.viz import draw_graph

    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    x, y = mg.randn(64, 784), mg.tensor(np.arange(64) % 10)
    loss = F.cross_entropy(model(x), y)
    draw_graph(loss, params=model).render(out, format=fmt, cleanup=True)


def cnn(out: Path = HERE / "graph_cnn", fmt: str = "svg") -> None:
    """The demo's CNN (``--model cnn`` on 28x28 images) on a batch of 64, cross-entropy loss."""
    from minigrad.models import lenet
    from minigrad.viz import draw_graph

    mg.manual_seed(0)
    model = lenet(1, 28, 10, hidden=128)
    x, y = mg.randn(64, 1, 28, 28), mg.tensor(np.arange(64) % 10)
    loss = F.cross_entropy(model(x), y)
    draw_graph(loss, params=model).render(out, format=fmt, cleanup=True)


GRAPHS = {"graph_scalar.svg": scalar, "graph_mlp.svg": mlp, "graph_cnn.svg": cnn}
IMAGES = sorted([*DEMOS, *GRAPHS])


def demo_command(name: str) -> list[str]:
    demo, options, _ = DEMOS[name]
    return [f"demos.{demo}", *options, "--threads", "1"]


def make(name: str) -> None:
    """Write docs/images/<name>."""
    if name in GRAPHS:
        GRAPHS[name]()
        return
    import importlib

    demo, options, written = DEMOS[name]
    module = importlib.import_module(f"demos.{demo}")
    with tempfile.TemporaryDirectory() as tmp:
        with contextlib.redirect_stdout(io.StringIO()):
            module.main([*demo_command(name)[1:], "--out", tmp])
        shutil.copyfile(Path(tmp) / written, HERE / name)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", action="append", choices=IMAGES, metavar="NAME")
    for name in p.parse_args(argv).only or IMAGES:
        print(f"docs/images/{name}", file=sys.stderr)
        make(name)


if __name__ == "__main__":
    main()
