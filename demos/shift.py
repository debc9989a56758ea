"""Covariate shift: the inputs change, the labelling does not, and accuracy drops.

    python -m demos.shift [--epochs 40] [--noise 0.3]

Run it from the clone's root (the folder holding demos/).

Trains an MLP on the 8x8 digits, then tests it on the same test images shifted in ways
a person would shrug off: moved one pixel, noisy, inverted (ink and paper swapped). A
digit is still the same digit (the labelling function did not change), but the network
saw only one input distribution and does not generalise to another. The shifts act on
the pixels (in [0, 1]); the network sees them standardised with the training split's
statistics, as in training. Writes shift.png.
"""

from __future__ import annotations

import argparse
import math
import os
from types import SimpleNamespace

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import optim

from . import _common, classify
from ._common import DemoError, integer, real

PROG = "python -m demos.shift"

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
    """The test images (pixels in [0, 1]) under each shift, still in [0, 1]; the labels
    are unchanged."""
    return {
        "original": x,
        "moved 1 px right": translate(x, 0, 1),
        "moved 1 px down": translate(x, 1, 0),
        f"noise (sd {noise})": np.clip(x + noise * rng.standard_normal(x.shape), 0, 1)
        .astype(np.float32),
        "inverted": 1 - x,
    }


def make_parser() -> argparse.ArgumentParser:
    p = _common.parser(PROG, __doc__)
    p.add_argument("--epochs", type=integer(1), default=40,
                   help="training epochs (SGD, batch 32, lr 0.05, momentum 0.9)")
    p.add_argument("--noise", type=real(0, 1), default=0.3,
                   help="standard deviation of the pixel noise, in [0, 1] (pixels are in "
                        "[0, 1])")
    _common.add_run_options(p, "shift")
    return p


def main(argv=None) -> dict:
    args = make_parser().parse_args(argv)
    return _common.run(PROG, args, lambda: shift(args))


def train(model, data, epochs: int, rng) -> None:
    """Mini-batch SGD on the standardised training images."""
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x_train, y_train = mg.tensor(data.x_train), mg.tensor(data.y_train)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(data.y_train))
        for i in range(0, len(order), 32):
            batch = order[i:i + 32]
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            if not math.isfinite(loss.item()):
                raise DemoError(f"training diverged: the loss is {loss.item()} in epoch "
                                f"{epoch}")
            opt.zero_grad()
            loss.backward()
            opt.step()


def shift(args: argparse.Namespace) -> dict:
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    pixels = classify.load_pixels(SimpleNamespace(dataset="digits", seed=args.seed,
                                                  val_fraction=0.1))
    data = pixels.standardised()
    print(f"digits: MLP 64-128-10, {args.epochs} epochs of SGD; test noise sd "
          f"{args.noise:g}; seed {args.seed}, {args.threads} BLAS thread"
          f"{'s' if args.threads > 1 else ''}")
    model = classify.build_model("mlp", data.n_features, len(data.classes), [128])
    train(model, data, args.epochs, rng)

    results = {}
    print(f"{'test inputs':<20} {'accuracy':>9}")
    variants = shifts(pixels.x_test, args.noise, rng)
    for name, x in variants.items():
        _, acc, _ = classify.evaluate(model, data.standardise(x), data.y_test)
        results[name] = acc
        print(f"{name:<20} {acc:>9.1%}")
    print("\nthe labels did not change, only the input distribution did")
    written = []
    plt = _common.pyplot()
    if plt is not None:
        written.append(plot(plt, _common.out_dir(args, "shift"), variants, results,
                            int(data.y_test[0])))
    print(_common.written_line(written))
    return results


def plot(plt, folder: str, variants: dict, results: dict, label: int) -> str:
    """The first test image under each shift (framed, pixels 0 = white .. 1 = black),
    and the accuracy on each shifted test set."""
    fig = plt.figure(figsize=(11, 4.5))
    grid = fig.add_gridspec(2, len(variants), height_ratios=[1, 1.3])
    for i, (name, x) in enumerate(variants.items()):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(x[0].reshape(SIDE, SIDE), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])  # ticks off, frame kept: the frame shows the shift
    ax = fig.add_subplot(grid[1, :])
    names = list(results)
    bars = ax.bar(names, [100 * results[n] for n in names], color="#6fa8dc")
    ax.bar_label(bars, labels=[f"{results[n]:.1%}" for n in names])
    ax.set_ylim(0, 110)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"the same digits (label {label} above), trained on 'original' only")
    fig.tight_layout()
    path = os.path.join(folder, "shift.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
