"""Why activations matter: a deep network without them is one linear layer.

    python -m demos.nonlinear [--dataset moons|circles] [--depth 4] [--steps 600]

Trains the same deep network twice on a 2-D toy problem (generated with numpy): once
with no activations, once with ReLU between the layers. Without nonlinearity the layers
multiply out to a single matrix, so the decision boundary is a straight line however deep
the network; with ReLU it bends around the data. Writes nonlinear.png (boundaries side
by side) and checks the collapse numerically.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

from ._common import out_dir, pyplot


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
    layers: list[nn.Module] = []
    sizes = [2] + [width] * (depth - 1)
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(a, b))
        if activation:
            layers.append(nn.ReLU())
    layers.append(nn.Linear(sizes[-1], 1))
    return nn.Sequential(*layers)


def fit(model: nn.Module, x: np.ndarray, y: np.ndarray, steps: int, lr: float) -> float:
    opt = optim.Adam(model.parameters(), lr=lr)
    xt, yt = mg.tensor(x, dtype=mg.float32), mg.tensor(y.reshape(-1, 1), dtype=mg.float32)
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(model(xt), yt)
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


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m demos.nonlinear", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=("moons", "circles"), default="moons")
    p.add_argument("--samples", type=int, default=400)
    p.add_argument("--noise", type=float, default=0.1)
    p.add_argument("--depth", type=int, default=4, help="number of Linear layers")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/nonlinear")
    args = p.parse_args(argv)

    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    make = make_moons if args.dataset == "moons" else make_circles
    x, y = make(args.samples, args.noise, rng)
    x = (x - x.mean(0)) / x.std(0)
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

    plt = pyplot()
    if plt is not None:
        folder = out_dir(args.out)
        grid = np.linspace(-2.5, 2.5, 200)
        gx, gy = np.meshgrid(grid, grid)
        pts = mg.tensor(np.c_[gx.ravel(), gy.ravel()], dtype=mg.float32)
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
        for ax, model, title, acc in ((axes[0], linear, "no activation", acc_linear),
                                      (axes[1], relu, "ReLU", acc_relu)):
            with mg.no_grad():
                z = model(pts).numpy().reshape(gx.shape)
            ax.contourf(gx, gy, z > 0, levels=1, colors=["#cfe2f3", "#f9cb9c"], alpha=0.8)
            ax.contour(gx, gy, z, levels=[0], colors="k", linewidths=1)
            ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=10, edgecolors="none")
            ax.set_title(f"{args.depth} layers, {title}: {acc:.0%} correct")
            ax.set_xlim(-2.5, 2.5)
            ax.set_ylim(-2.5, 2.5)
            ax.set_aspect("equal")
        fig.tight_layout()
        path = os.path.join(folder, "nonlinear.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        print(f"wrote {path}")
    return {"acc_linear": acc_linear, "acc_relu": acc_relu, "collapse_gap": gap}


if __name__ == "__main__":
    main()
