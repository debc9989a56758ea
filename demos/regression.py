"""Linear regression two ways: gradient descent with minigrad, and the normal equations.

    python -m demos.regression [--samples 200] [--features 3] [--steps 500] [--lr 0.1]

Gradient descent minimises the mean squared error step by step; the closed form solves
it at once: theta = (X^T X)^-1 X^T y (with a column of ones for the bias). On the same
data they must agree, which this demo prints and checks. Writes regression.png.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

from ._common import out_dir, pyplot


def make_data(n: int, d: int, noise: float, seed: int):
    """y = X theta_true + b_true + noise, with standardised features."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    theta, bias = rng.uniform(-3, 3, d), rng.uniform(-2, 2)
    y = x @ theta + bias + noise * rng.standard_normal(n)
    return x, y, theta, bias


def normal_equations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """theta = (X^T X)^-1 X^T y, solved as a linear system (never invert explicitly)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    return np.linalg.solve(xb.T @ xb, xb.T @ y)


def gradient_descent(x: np.ndarray, y: np.ndarray, steps: int, lr: float):
    """Full-batch gradient descent on the MSE of a Linear layer, in float64."""
    model = nn.Linear(x.shape[1], 1, dtype=mg.float64)
    opt = optim.SGD(model.parameters(), lr=lr)
    xt, yt = mg.tensor(x), mg.tensor(y.reshape(-1, 1))
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.append(model.weight.detach().numpy()[0], model.bias.detach().numpy()[0]), losses


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m demos.regression", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--features", type=int, default=3)
    p.add_argument("--noise", type=float, default=0.5)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/regression")
    args = p.parse_args(argv)

    mg.manual_seed(args.seed)
    x, y, theta_true, bias_true = make_data(args.samples, args.features, args.noise, args.seed)
    closed = normal_equations(x, y)
    fitted, losses = gradient_descent(x, y, args.steps, args.lr)
    names = [f"theta[{i}]" for i in range(args.features)] + ["bias"]
    truth = np.append(theta_true, bias_true)
    print(f"{'':>9} {'true':>9} {'normal eq.':>11} {'grad. descent':>14}")
    for name, t, c, g in zip(names, truth, closed, fitted):
        print(f"{name:>9} {t:>9.4f} {c:>11.6f} {g:>14.6f}")
    gap = float(np.max(np.abs(closed - fitted)))
    agree = gap < 1e-4
    print(f"\nlargest difference between the two fits: {gap:.2e} "
          f"({'they agree' if agree else 'NOT converged: more --steps or a larger --lr'})")
    print(f"final MSE {losses[-1]:.4f} (noise variance {args.noise ** 2:.4f})")

    plt = pyplot()
    if plt is not None:
        folder = out_dir(args.out)
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        a.semilogy(losses)
        a.set(xlabel="step", ylabel="MSE (log scale)", title="gradient descent")
        xb = np.hstack([x, np.ones((len(x), 1))])
        b.scatter(y, xb @ fitted, s=8, label="gradient descent")
        b.scatter(y, xb @ closed, s=8, marker="x", label="normal equations")
        b.plot([y.min(), y.max()], [y.min(), y.max()], "k:", label="perfect")
        b.set(xlabel="true y", ylabel="predicted y", title="predictions agree")
        b.legend()
        fig.tight_layout()
        path = os.path.join(folder, "regression.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        print(f"wrote {path}")
    return {"gap": gap, "agree": agree, "closed": closed, "fitted": fitted}


if __name__ == "__main__":
    main()
