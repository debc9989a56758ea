"""Linear regression two ways: gradient descent with minigrad, and the normal equations.

    python -m demos.regression [--samples 200] [--features 3] [--steps 500] [--lr 0.1]

Run it from the clone's root (the folder holding demos/).

Gradient descent minimises the mean squared error step by step; the closed form solves
it at once: theta = (X^T X)^-1 X^T y (with a column of ones for the bias). On the same
data they must agree, which this demo prints and checks. Gradient descent on this loss is
stable only for --lr below 2 / (largest eigenvalue of the Hessian 2 X^T X / n): the demo
prints that bound, and stops with an error when the loss blows up. Writes regression.png.
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

PROG = "python -m demos.regression"


def make_data(n: int, d: int, noise: float, seed: int):
    """y = X theta_true + b_true + noise, with standardised features."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    theta, bias = rng.uniform(-3, 3, d), rng.uniform(-2, 2)
    y = x @ theta + bias + noise * rng.standard_normal(n)
    return x, y, theta, bias


def normal_equations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """theta = (X^T X)^-1 X^T y, solved as a linear system (never invert explicitly)."""
    xb = design(x)
    return np.linalg.solve(xb.T @ xb, xb.T @ y)


def design(x: np.ndarray) -> np.ndarray:
    """The inputs with a column of ones (for the bias)."""
    return np.hstack([x, np.ones((len(x), 1))])


def stable_lr(x: np.ndarray) -> float:
    """Gradient descent on the MSE converges for lr < 2 / lambda_max of its Hessian,
    2 X^T X / n (X with the column of ones)."""
    xb = design(x)
    return float(2 / np.linalg.eigvalsh(2 * xb.T @ xb / len(x))[-1])


def gradient_descent(x: np.ndarray, y: np.ndarray, steps: int, lr: float):
    """Full-batch gradient descent on the MSE of a Linear layer, in float64; stops with
    an error when the loss stops being finite or grows past its start 1e6-fold."""
    model = nn.Linear(x.shape[1], 1, dtype=mg.float64)
    opt = optim.SGD(model.parameters(), lr=lr)
    xt, yt = mg.tensor(x), mg.tensor(y.reshape(-1, 1))
    losses: list[float] = []
    for step in range(1, steps + 1):
        loss = F.mse_loss(model(xt), yt)
        value = loss.item()
        if not math.isfinite(value) or (losses and value > 1e6 * losses[0]):
            raise DemoError(f"gradient descent diverged: the loss is {value:.3g} at step "
                            f"{step} (it started at {losses[0]:.3g}); --lr {lr:g} is too large, "
                            f"this problem is stable for --lr < {stable_lr(x):.3g}")
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(value)
    return np.append(model.weight.array[0], model.bias.array[0]), losses


def make_parser() -> argparse.ArgumentParser:
    p = _common.parser(PROG, __doc__)
    p.add_argument("--samples", type=integer(2), default=200, help="data points")
    p.add_argument("--features", type=integer(1), default=3, help="input features")
    p.add_argument("--noise", type=real(0), default=0.5,
                   help="standard deviation of the noise added to y")
    p.add_argument("--steps", type=integer(1), default=500, help="gradient descent steps")
    p.add_argument("--lr", type=real(0, open_low=True), default=0.1, help="learning rate")
    _common.add_run_options(p, "regression")
    return p


def main(argv=None) -> dict:
    args = make_parser().parse_args(argv)
    if args.samples <= args.features:
        make_parser().error(f"argument --samples: needs more samples than --features "
                            f"({args.features}) for a unique fit, got {args.samples}")
    return _common.run(PROG, args, lambda: regress(args))


def regress(args: argparse.Namespace) -> dict:
    mg.manual_seed(args.seed)
    x, y, theta_true, bias_true = make_data(args.samples, args.features, args.noise, args.seed)
    print(f"{args.samples} samples, {args.features} features, noise {args.noise:g}; "
          f"gradient descent: {args.steps} steps of lr {args.lr:g} (stable below "
          f"{stable_lr(x):.3g}), seed {args.seed}, {args.threads} BLAS thread"
          f"{'s' if args.threads > 1 else ''}")
    closed = normal_equations(x, y)
    fitted, losses = gradient_descent(x, y, args.steps, args.lr)
    names = [f"theta[{i}]" for i in range(args.features)] + ["bias"]
    truth = np.append(theta_true, bias_true)
    print(f"{'':>9} {'true':>9} {'normal eq.':>11} {'grad. descent':>14}")
    for name, t, c, g in zip(names, truth, closed, fitted):
        print(f"{name:>9} {t:>9.4f} {c:>11.6f} {g:>14.6f}")
    gap = float(np.max(np.abs(closed - fitted)))
    agree = gap < 1e-4
    bound = stable_lr(x)
    if not agree and args.lr >= bound:
        raise DemoError(f"gradient descent diverges: --lr {args.lr:g} is above this "
                        f"problem's stable bound {bound:.3g} (the loss went from "
                        f"{losses[0]:.3g} to {losses[-1]:.3g} in {args.steps} steps)")
    verdict = "they agree" if agree else \
        f"NOT converged yet: more --steps, or a larger --lr below {bound:.3g}"
    print(f"\nlargest difference between the two fits: {gap:.2e} ({verdict})")
    print(f"final MSE {losses[-1]:.4f} (noise variance {args.noise ** 2:.4f})")
    written = []
    plt = _common.pyplot()
    if plt is not None:
        written.append(plot(plt, _common.out_dir(args, "regression"), x, y, fitted, closed,
                            losses))
    print(_common.written_line(written))
    return {"gap": gap, "agree": agree, "closed": closed, "fitted": fitted, "written": written}


def plot(plt, folder: str, x, y, fitted, closed, losses) -> str:
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.semilogy(np.arange(1, len(losses) + 1), losses)
    a.set(xlabel="step", ylabel="MSE (log scale)", title="gradient descent")
    xb = design(x)
    b.scatter(y, xb @ fitted, s=8, label="gradient descent")
    b.scatter(y, xb @ closed, s=8, marker="x", label="normal equations")
    b.plot([y.min(), y.max()], [y.min(), y.max()], "k:", label="perfect")
    b.set(xlabel="true y", ylabel="predicted y", title="predictions agree")
    b.legend()
    fig.tight_layout()
    path = os.path.join(folder, "regression.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
