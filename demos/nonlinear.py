"""Why activations matter: a deep network without them is one linear layer.

    python -m demos.nonlinear [--dataset moons|circles] [--depth 4] [--steps 600]

Run it from the clone's root (the folder holding demos/).

Trains the same deep network twice on a 2-D toy problem (generated with numpy): once
with no activations, once with ReLU between the layers. Without nonlinearity the layers
multiply out to a single matrix, so the decision boundary is a straight line however deep
the network; with ReLU it bends around the data. Writes nonlinear.png (boundaries side
by side) and checks the collapse numerically.
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

from . import _common
from ._common import DemoError, integer, real

PROG = "python -m demos.nonlinear"
CLASSES = {"moons": ("lower moon", "upper moon"), "circles": ("outer circle", "inner circle")}


def make_moons(n: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles."""
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper[:, None], np.c_[np.cos(t), np.sin(t)],
                 np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return x + noise * rng.standard_normal((n, 2)), upper.astype(np.float64)


def make_circles(n: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one."""
    t = rng.uniform(0, 2 * np.pi, n)
    inner = rng.random(n) < 0.5
    r = np.where(inner, 0.4, 1.0)
    x = np.c_[r * np.cos(t), r * np.sin(t)]
    return x + noise * rng.standard_normal((n, 2)), inner.astype(np.float64)


def build(depth: int, width: int, activation: bool) -> nn.Sequential:
    """``depth`` Linear layers (2 -> width -> ... -> 1), with ReLU between them or not."""
    layers: list[nn.Module] = []
    sizes = [2] + [width] * (depth - 1)
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(a, b))
        if activation:
            layers.append(nn.ReLU())
    layers.append(nn.Linear(sizes[-1], 1))
    return nn.Sequential(*layers)


def fit(model: nn.Module, x: np.ndarray, y: np.ndarray, steps: int, lr: float) -> float:
    """Full-batch Adam on the logistic loss; the training accuracy at the end."""
    opt = optim.Adam(model.parameters(), lr=lr)
    xt, yt = mg.tensor(x, dtype=mg.float32), mg.tensor(y.reshape(-1, 1), dtype=mg.float32)
    for step in range(1, steps + 1):
        loss = F.binary_cross_entropy_with_logits(model(xt), yt)
        if not math.isfinite(loss.item()):
            raise DemoError(f"training diverged: the loss is {loss.item()} at step {step}; "
                            f"try a smaller --lr than {lr:g}")
        opt.zero_grad()
        loss.backward()
        opt.step()
    with mg.no_grad():
        return float(((model(xt).numpy()[:, 0] > 0) == (y > 0.5)).mean())


def collapse(model: nn.Sequential) -> tuple[np.ndarray, np.ndarray]:
    """Multiply a stack of Linear layers out into one: W = W_k ... W_1, b likewise."""
    w = np.eye(2)
    b = np.zeros(2)
    for layer in model:
        w = layer.weight.detach().numpy().astype(np.float64) @ w
        b = layer.weight.detach().numpy().astype(np.float64) @ b + layer.bias.detach().numpy()
    return w, b


def make_parser() -> argparse.ArgumentParser:
    p = _common.parser(PROG, __doc__)
    p.add_argument("--dataset", choices=("moons", "circles"), default="moons",
                   help="two interleaving half circles, or a circle inside a circle")
    p.add_argument("--samples", type=integer(2), default=400, help="data points")
    p.add_argument("--noise", type=real(0), default=0.1,
                   help="standard deviation of the noise added to the points")
    p.add_argument("--depth", type=integer(1), default=4, help="number of Linear layers")
    p.add_argument("--width", type=integer(1), default=32, help="units per hidden layer")
    p.add_argument("--steps", type=integer(1), default=600, help="Adam steps (full batch)")
    p.add_argument("--lr", type=real(0, open_low=True), default=0.01,
                   help="Adam's learning rate")
    _common.add_run_options(p, "nonlinear")
    return p


def main(argv=None) -> dict:
    args = make_parser().parse_args(argv)
    return _common.run(PROG, args, lambda: compare(args))


def compare(args: argparse.Namespace) -> dict:
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    make = make_moons if args.dataset == "moons" else make_circles
    x, y = make(args.samples, args.noise, rng)
    x = (x - x.mean(0)) / x.std(0)
    print(f"{args.dataset}: {args.samples} points, noise {args.noise:g}; {args.depth} Linear "
          f"layers of width {args.width}, {args.steps} Adam steps of lr {args.lr:g}, seed "
          f"{args.seed}, {args.threads} BLAS thread{'s' if args.threads > 1 else ''}")
    linear = build(args.depth, args.width, activation=False)
    relu = build(args.depth, args.width, activation=True)
    acc_linear = fit(linear, x, y, args.steps, args.lr)
    acc_relu = fit(relu, x, y, args.steps, args.lr)

    w, b = collapse(linear)
    with mg.no_grad():
        deep = linear(mg.tensor(x, dtype=mg.float32)).numpy()[:, 0]
    one_layer = x @ w[0] + b[0]
    gap = float(np.max(np.abs(deep - one_layer)))
    print(f"{args.depth} Linear layers, no activation: accuracy {acc_linear:.1%}")
    print(f"{args.depth} Linear layers with ReLU:       accuracy {acc_relu:.1%}")
    print(f"the network without activations equals ONE linear layer "
          f"w = {np.round(w[0], 3)}, b = {b[0]:.3f} (max difference {gap:.1e})")
    written = []
    plt = _common.pyplot()
    if plt is not None:
        written.append(plot(plt, _common.out_dir(args, "nonlinear"), args, x, y,
                            ((linear, "no activation", acc_linear), (relu, "ReLU", acc_relu))))
    print(_common.written_line(written))
    return {"acc_linear": acc_linear, "acc_relu": acc_relu, "collapse_gap": gap,
            "written": written}


def plot(plt, folder: str, args, x, y, models) -> str:
    """Each model's decision regions and boundary, with the points coloured by class."""
    grid = np.linspace(-2.5, 2.5, 200)
    gx, gy = np.meshgrid(grid, grid)
    pts = mg.tensor(np.c_[gx.ravel(), gy.ravel()], dtype=mg.float32)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    for ax, (model, title, acc) in zip(axes, models):
        with mg.no_grad():
            z = model(pts).numpy().reshape(gx.shape)
        ax.contourf(gx, gy, z > 0, levels=1, colors=["#cfe2f3", "#f9cb9c"], alpha=0.8)
        ax.contour(gx, gy, z, levels=[0], colors="k", linewidths=1)
        for k, (name, colour) in enumerate(zip(CLASSES[args.dataset], ("#3d85c6", "#e06666"))):
            ax.scatter(*x[y == k].T, s=10, color=colour, edgecolors="none",
                       label=f"class {k} ({name})")
        ax.set_title(f"{args.depth} layers, {title}: {acc:.0%} correct")
        ax.set(xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), aspect="equal",
               xlabel="$x_1$ (standardised)", ylabel="$x_2$ (standardised)")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = os.path.join(folder, "nonlinear.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
