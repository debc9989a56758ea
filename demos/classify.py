"""The classification lesson: softmax regression or an MLP on digits, MNIST or Fashion-MNIST.

    python -m demos.classify                                   # bundled 8x8 digits, offline
    python -m demos.classify --dataset fashion-mnist --data-dir ../shared/data/fashion-mnist
    python -m demos.classify --help

What it shows, in order: one-hot labels meet softmax and cross-entropy (the initial loss
is ln(number of classes), because an untrained model guesses uniformly); mini-batch SGD;
train / validation / test splits; early stopping on the validation loss, restoring the
best weights; a per-class report, because a 95% average can hide a class at 0%.
Writes to --out: curves.png, graph.svg (or graph.dot), model.npz (best checkpoint).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

DATASETS = ("digits", "mnist", "fashion-mnist")
DEFAULTS = {  # per dataset: hidden sizes, epochs, batch size, learning rate
    "digits": dict(hidden="128", epochs=40, batch_size=32, lr=0.05),
    "mnist": dict(hidden="256,128", epochs=15, batch_size=128, lr=0.05),
    "fashion-mnist": dict(hidden="256,128", epochs=15, batch_size=128, lr=0.05),
}


@dataclass
class Splits:
    """Arrays for each split: images flattened to rows of floats in [0, 1], int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m demos.classify", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", choices=DATASETS, default="digits",
                   help="digits is bundled with scikit-learn and works offline")
    p.add_argument("--model", choices=("softmax", "mlp"), default="mlp",
                   help="softmax regression (one Linear layer) or an MLP with ReLU layers")
    p.add_argument("--hidden", default=None,
                   help="MLP hidden sizes, comma-separated (default: 128 for digits, "
                        "256,128 otherwise)")
    p.add_argument("--epochs", type=int, default=None, help="at most this many epochs")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None, help="learning rate")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                   help="learning rate over the epochs: cosine annealing to 0, or constant")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="fraction of the training data held out for validation")
    p.add_argument("--patience", type=int, default=5,
                   help="stop after this many epochs without a better validation loss")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None,
                   help="folder with the four MNIST/Fashion-MNIST .gz files "
                        "(e.g. ../shared/data/fashion-mnist)")
    p.add_argument("--out", default="runs/classify", help="folder for the written files")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --out (model.npz)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.dataset].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if not 0 < args.val_fraction < 1:
        p.error("--val-fraction must be between 0 and 1")
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        p.error("--epochs and --batch-size must be positive, --lr greater than 0")
    return args


# ----------------------------------------------------------------------------- data
def load_splits(args) -> Splits:
    """Train/validation/test arrays. Digits has no official test split: 20% is held out."""
    from minigrad import datasets

    rng = np.random.default_rng(args.seed)
    if args.dataset == "digits":
        ds = datasets.load_digits()
        x, y = _arrays(ds)
        order = rng.permutation(len(y))
        n_test = int(round(0.2 * len(y)))
        test, rest = order[:n_test], order[n_test:]
        x_test, y_test, x, y = x[test], y[test], x[rest], y[rest]
        classes = list(ds.classes)
    else:
        cls = datasets.MNIST if args.dataset == "mnist" else datasets.FashionMNIST
        root = args.data_dir or os.environ.get("MINIGRAD_DATA")
        train, test = cls(root, train=True), cls(root, train=False)
        x, y = _arrays(train)
        x_test, y_test = _arrays(test)
        classes = list(train.classes)
    order = rng.permutation(len(y))
    n_val = int(round(args.val_fraction * len(y)))
    val, tr = order[:n_val], order[n_val:]
    # Standardise with the training split's statistics only (no peeking at val/test).
    mean, std = x[tr].mean(), x[tr].std()
    x, x_test = (x - mean) / std, (x_test - mean) / std
    return Splits(x[tr], y[tr], x[val], y[val], x_test, y_test, classes)


def _arrays(ds) -> tuple[np.ndarray, np.ndarray]:
    """Flattened float32 images in [0, 1] and int64 labels of a dataset."""
    x, y = ds.data, ds.targets
    x = np.asarray(getattr(x, "data", x), dtype=np.float32)
    y = np.asarray(getattr(y, "data", y), dtype=np.int64)
    if x.max() > 1:  # raw pixel values
        x = x / np.float32(255 if x.max() > 16 else 16)
    return x.reshape(len(x), -1), y


# ---------------------------------------------------------------------------- model
def build_model(kind: str, n_in: int, n_classes: int, hidden: str) -> nn.Module:
    """Softmax regression (Linear; the softmax lives in the loss) or a ReLU MLP."""
    if kind == "softmax":
        return nn.Sequential(nn.Linear(n_in, n_classes))
    sizes = [n_in, *(int(h) for h in hidden.split(",") if h.strip())]
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], n_classes))


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int = 1024):
    """Mean loss, accuracy and predictions on a whole split (no graph recorded)."""
    model.eval()
    total, preds = 0.0, []
    with mg.no_grad():
        for i in range(0, len(y), batch_size):
            logits = model(mg.tensor(x[i:i + batch_size]))
            target = mg.tensor(y[i:i + batch_size])
            total += F.cross_entropy(logits, target, reduction="sum").item()
            preds.append(logits.argmax(dim=1).numpy())
    model.train()
    pred = np.concatenate(preds) if preds else np.zeros(0, dtype=np.int64)
    return total / max(len(y), 1), float((pred == y).mean()) if len(y) else 0.0, pred


# ------------------------------------------------------------------------- training
def train(args) -> dict:
    from tqdm.auto import tqdm

    from minigrad.data import DataLoader, TensorDataset

    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "model.npz")
    mg.manual_seed(args.seed)
    data = load_splits(args)
    n_classes = len(data.classes)
    model = build_model(args.model, data.n_features, n_classes, args.hidden)
    if args.optimizer == "sgd":
        opt = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    else:
        opt = optim.Adam(model.parameters(), lr=args.lr)

    scheduler = (optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
                 if args.schedule == "cosine" else None)
    history = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds")}
    start_epoch, best_val, best_epoch = 0, math.inf, -1
    if args.resume:
        ckpt = mg.load(ckpt_path)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        if scheduler is not None and "scheduler" in ckpt:
            scheduler.load_state_dict(ckpt["scheduler"])
        history = ckpt["history"]
        start_epoch, best_val, best_epoch = ckpt["epoch"] + 1, ckpt["best_val_loss"], ckpt["epoch"]
        print(f"resumed from {ckpt_path} after epoch {ckpt['epoch'] + 1} "
              f"(best validation loss {best_val:.4f})")

    print(f"{args.dataset}: {len(data.y_train)} train / {len(data.y_val)} validation / "
          f"{len(data.y_test)} test samples, {data.n_features} features, {n_classes} classes")
    print(model)
    loss0, _, _ = evaluate(model, data.x_train, data.y_train)
    if args.resume:
        print(f"training loss at resume {loss0:.4f}")
    else:
        print(f"initial loss {loss0:.4f}  vs  ln({n_classes}) = {math.log(n_classes):.4f}"
              "  (an untrained model guesses uniformly)")

    loader = DataLoader(TensorDataset(mg.tensor(data.x_train), mg.tensor(data.y_train)),
                        batch_size=args.batch_size, shuffle=True, seed=args.seed)
    header = f"{'epoch':>5} {'train loss':>10} {'train acc':>9} {'val loss':>9} {'val acc':>8}" \
             f" {'time':>6}"
    print(header + "\n" + "-" * len(header))
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    bad_epochs = 0
    t_start = time.perf_counter()
    for epoch in range(start_epoch, args.epochs):
        t0 = time.perf_counter()
        seen, loss_sum, correct = 0, 0.0, 0
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", leave=False,
                   disable=True if args.quiet else None, file=sys.stderr)  # None: TTY only
        for xb, yb in bar:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            n = len(yb)
            seen += n
            loss_sum += loss.item() * n
            correct += int((logits.argmax(dim=1) == yb).sum())
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", refresh=False)
        if scheduler is not None:
            scheduler.step()
        val_loss, val_acc, _ = evaluate(model, data.x_val, data.y_val)
        for key, value in zip(history, (loss_sum / seen, correct / seen, val_loss, val_acc,
                                        time.perf_counter() - t0)):
            history[key].append(value)
        mark = ""
        if val_loss < best_val:
            best_val, best_epoch, bad_epochs, mark = val_loss, epoch, 0, "  *"
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(),
                          "epoch": epoch, "best_val_loss": best_val, "history": history,
                          "args": json.dumps(vars(args))}
            if scheduler is not None:
                checkpoint["scheduler"] = scheduler.state_dict()
            mg.save(checkpoint, ckpt_path)
        else:
            bad_epochs += 1
        tqdm.write(f"{epoch + 1:>5} {history['train_loss'][-1]:>10.4f} "
                   f"{history['train_acc'][-1]:>9.2%} {val_loss:>9.4f} {val_acc:>8.2%} "
                   f"{history['seconds'][-1]:>5.1f}s{mark}")
        if bad_epochs >= args.patience:
            print(f"early stopping: no better validation loss for {args.patience} epochs")
            break
    train_seconds = time.perf_counter() - t_start

    model.load_state_dict(best_state)
    print(f"restored the best weights (epoch {best_epoch + 1}, validation loss "
          f"{best_val:.4f}); * marks improvements")
    test_loss, test_acc, pred = evaluate(model, data.x_test, data.y_test)
    print(f"\ntest accuracy {test_acc:.2%} (loss {test_loss:.4f}) after "
          f"{len(history['val_loss'])} epochs, {train_seconds:.1f}s of training\n")
    from minigrad.metrics import classification_report

    print(classification_report(pred, data.y_test, class_names=data.classes))
    written = [ckpt_path]
    written.append(plot_curves(history, best_epoch, args, os.path.join(args.out, "curves.png")))
    written.append(draw_model_graph(model, data, args.out))
    print("wrote " + ", ".join(w for w in written if w))
    return {"test_accuracy": test_acc, "test_loss": test_loss, "epochs": len(history["val_loss"]),
            "seconds": train_seconds, "history": history}


# --------------------------------------------------------------------------- output
def plot_curves(history: dict, best_epoch: int, args, path: str) -> str | None:
    """Loss and accuracy per epoch, train vs validation, best epoch marked."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no curves.png")
        return None
    epochs = np.arange(1, len(history["val_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((ax_loss, "loss", "cross-entropy loss"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], "o-", label="train", markersize=3)
        ax.plot(epochs, history[f"val_{key}"], "s-", label="validation", markersize=3)
        ax.axvline(best_epoch + 1, color="grey", linestyle=":", label="best (restored)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"{args.model} on {args.dataset} ({args.optimizer}, lr {args.lr}, "
                 f"batch {args.batch_size})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_model_graph(model: nn.Module, data: Splits, out: str) -> str | None:
    """The computation graph of the loss on a small batch: graph.svg if graphviz's dot
    is installed, else the DOT source with a note on how to render it."""
    try:
        from minigrad.viz import draw_graph
    except ImportError as err:
        print(f"no graph diagram: {err}")
        return None
    loss = F.cross_entropy(model(mg.tensor(data.x_train[:4])), mg.tensor(data.y_train[:4]))
    try:
        dot = draw_graph(loss, params=model)
    except ImportError as err:  # the graphviz Python package is missing
        print(f"no graph diagram: {err} (pip install graphviz)")
        return None
    if shutil.which("dot"):
        return dot.render(os.path.join(out, "graph"), format="svg", cleanup=True)
    path = os.path.join(out, "graph.dot")
    with open(path, "w") as f:
        f.write(dot.source)
    print(f"graphviz's dot is not installed: wrote {path}; render it with "
          f"`dot -Tsvg {path} -o {os.path.join(out, 'graph.svg')}` after "
          "`apt-get install graphviz`")
    return path


def main(argv=None) -> dict:
    return train(parse_args(argv))


if __name__ == "__main__":
    main()
