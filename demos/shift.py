"""Covariate shift: the inputs change, the labelling does not, and accuracy drops.

    python -m demos.shift [--epochs 40] [--noise 0.3]

Trains an MLP on the 8x8 digits, then tests it on the same test images shifted in ways
a person would shrug off: moved one pixel, noisy, inverted (ink and paper swapped). A
digit is still the same digit (the labelling function did not change), but the network
saw only one input distribution and does not generalise to another. Writes shift.png.
"""

from __future__ import annotations

import argparse
import os
from types import SimpleNamespace

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import optim

from . import classify
from ._common import out_dir, pyplot

SIDE = 8  # digits are 8x8


def translate(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move every image by (dy, dx) pixels, filling with background (0)."""
    imgs = x.reshape(-1, SIDE, SIDE)
    out = np.zeros_like(imgs)
    ys, yd = (slice(0, SIDE - dy), slice(dy, SIDE)) if dy >= 0 else \
        (slice(-dy, SIDE), slice(0, SIDE + dy))
    xs, xd = (slice(0, SIDE - dx), slice(dx, SIDE)) if dx >= 0 else \
        (slice(-dx, SIDE), slice(0, SIDE + dx))
    out[:, yd, xd] = imgs[:, ys, xs]
    return out.reshape(len(x), -1)


def shifts(x: np.ndarray, noise: float, rng) -> dict[str, np.ndarray]:
    """The test set under each shift (labels unchanged)."""
    return {
        "original": x,
        "moved 1 px right": translate(x, 0, 1),
        "moved 1 px down": translate(x, 1, 0),
        f"noise (sd {noise})": np.clip(x + noise * rng.standard_normal(x.shape), 0, 1)
        .astype(np.float32),
        "inverted": 1 - x,
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m demos.shift", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--noise", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/shift")
    args = p.parse_args(argv)

    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    data = classify.load_splits(SimpleNamespace(dataset="digits", seed=args.seed,
                                                val_fraction=0.1, data_dir=None))
    model = classify.build_model("mlp", data.n_features, len(data.classes), "128")
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x_train, y_train = mg.tensor(data.x_train), mg.tensor(data.y_train)
    for _ in range(args.epochs):
        order = rng.permutation(len(data.y_train))
        for i in range(0, len(order), 32):
            batch = order[i:i + 32]
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()

    results = {}
    print(f"{'test inputs':<20} {'accuracy':>9}")
    variants = shifts(data.x_test, args.noise, rng)
    for name, x in variants.items():
        _, acc, _ = classify.evaluate(model, x, data.y_test)
        results[name] = acc
        print(f"{name:<20} {acc:>9.1%}")
    print("\nthe labels did not change, only the input distribution did")

    plt = pyplot()
    if plt is not None:
        folder = out_dir(args.out)
        fig = plt.figure(figsize=(11, 4.5))
        grid = fig.add_gridspec(2, len(variants), height_ratios=[1, 1.3])
        for i, (name, x) in enumerate(variants.items()):
            ax = fig.add_subplot(grid[0, i])
            ax.imshow(x[0].reshape(SIDE, SIDE), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(name, fontsize=9)
            ax.axis("off")
        ax = fig.add_subplot(grid[1, :])
        names = list(results)
        bars = ax.bar(names, [results[n] for n in names], color="#6fa8dc")
        ax.bar_label(bars, labels=[f"{results[n]:.0%}" for n in names])
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("test accuracy")
        ax.set_title(f"the same digits (label {data.y_test[0]} above), trained on 'original' only")
        fig.tight_layout()
        path = os.path.join(folder, "shift.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
