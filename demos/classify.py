"""The classification lesson: softmax regression, an MLP or a LeNet-style CNN on digits,
MNIST, Fashion-MNIST or CIFAR-10.

    python -m demos.classify                                   # bundled 8x8 digits, offline
    python -m demos.classify --model cnn                       # the CNN, on the digits too
    python -m demos.classify --dataset fashion-mnist --data-dir ../shared/data
    python -m demos.classify --resume --out runs/classify/version_0   # continue a run

Run it from the clone's root (the folder holding demos/). What it shows, in order:
one-hot labels meet softmax and cross-entropy (the initial loss is ln(number of
classes), because an untrained model guesses uniformly); mini-batch SGD or Adam;
train / validation / test splits; early stopping on the validation loss, restoring the
best weights; a per-class report, because a 95% average can hide a class at 0%.
Writes to its run folder: model.safetensors (the checkpoint, after every epoch),
curves.png, graph.svg (or graph.dot).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

from . import _common
from ._common import DemoError, integer, real, sizes

PROG = "python -m demos.classify"
DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10")
MODELS = ("softmax", "mlp", "cnn")
PER_DATASET = {  # defaults that depend on the dataset and the model (softmax: mlp's)
    "digits": {"mlp": dict(hidden=[128], epochs=40, batch_size=32),
               "cnn": dict(hidden=[64], epochs=10, batch_size=32, optimizer="adam")},
    "mnist": {"mlp": dict(hidden=[256, 128], epochs=15, batch_size=128),
              "cnn": dict(hidden=[128], epochs=10, batch_size=64, optimizer="adam")},
    "fashion-mnist": {"mlp": dict(hidden=[256, 128], epochs=15, batch_size=128),
                      "cnn": dict(hidden=[128], epochs=10, batch_size=64, optimizer="adam")},
    "cifar10": {"mlp": dict(hidden=[512, 256], epochs=15, batch_size=128),
                "cnn": dict(hidden=[128], epochs=10, batch_size=64, optimizer="adam")},
}
CNN_CHANNELS = (16, 32)  # the cnn's two convolutions (3x3, padding 1)
LR = {"sgd": 0.05, "adam": 0.001}  # each optimizer's default learning rate
DEFAULTS = dict(dataset="digits", model="mlp", optimizer="sgd", momentum=0.9,
                schedule="cosine", val_fraction=0.1, patience=5, seed=0)
# What defines a run: a resumed run takes these from its checkpoint and refuses others.
SETTINGS = ("dataset", "model", "hidden", "epochs", "batch_size", "optimizer", "lr",
            "momentum", "schedule", "val_fraction", "patience", "seed")
CHECKPOINT = "model.safetensors"
FORMAT = "demos.classify checkpoint 1"


@dataclass
class Splits:
    """Arrays for each split: float32 images, flattened to rows (softmax, mlp) or as
    (N, C, H, W) (cnn, see :meth:`for_model`), and int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list
    image_shape: tuple[int, int]
    mean: float = 0.0
    std: float = 1.0
    channels: int = 1  # colour planes (CIFAR-10: 3), flattened channel by channel

    @property
    def n_features(self) -> int:
        return self.channels * math.prod(self.image_shape)

    def for_model(self, kind: str) -> Splits:
        """The images as ``kind`` takes them: (C, H, W) for the cnn, rows of pixels
        otherwise (the one place that decides)."""
        shape = (self.channels, *self.image_shape) if kind == "cnn" else (self.n_features,)
        x_train, x_val, x_test = (x.reshape(len(x), *shape) for x in
                                  (self.x_train, self.x_val, self.x_test))
        return Splits(x_train, self.y_train, x_val, self.y_val, x_test, self.y_test,
                      self.classes, self.image_shape, self.mean, self.std, self.channels)

    def standardise(self, x: np.ndarray) -> np.ndarray:
        """Pixels in [0, 1] -> z-scores with the training split's statistics."""
        return ((x - self.mean) / self.std).astype(np.float32)

    def standardised(self) -> Splits:
        """The same splits standardised with the training split's mean and std only (no
        peeking at validation or test)."""
        mean, std = float(self.x_train.mean()), float(self.x_train.std())
        z = Splits(self.x_train, self.y_train, self.x_val, self.y_val, self.x_test,
                   self.y_test, self.classes, self.image_shape, mean, std, self.channels)
        z.x_train, z.x_val, z.x_test = (z.standardise(x) for x in
                                        (self.x_train, self.x_val, self.x_test))
        return z


# ---------------------------------------------------------------------------- options
def make_parser() -> argparse.ArgumentParser:
    p = _common.parser(PROG, __doc__)
    p.epilog = defaults_table()
    d = DEFAULTS
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="digits is bundled with scikit-learn and works offline "
                        f"(default: {d['dataset']})")
    p.add_argument("--model", choices=MODELS, default=None,
                   help="softmax regression (one Linear layer), an MLP with ReLU layers, or "
                        "a LeNet-style CNN (conv-ReLU-pool twice, then dense layers; "
                        f"minigrad.models.lenet) (default: {d['model']})")
    p.add_argument("--hidden", type=sizes, metavar="SIZES", default=None,
                   help="hidden sizes of the dense layers, comma-separated; the CNN takes "
                        "one (default: see the table below)")
    p.add_argument("--epochs", type=integer(1), metavar="N", default=None,
                   help="at most this many epochs (default: see the table below)")
    p.add_argument("--batch-size", type=integer(1), metavar="N", default=None,
                   help="samples per optimizer step (default: see the table below)")
    p.add_argument("--optimizer", choices=tuple(LR), default=None,
                   help="sgd (with momentum) or adam (default: see the table below)")
    p.add_argument("--lr", type=real(0, open_low=True), default=None,
                   help="learning rate (default: "
                        + ", ".join(f"{v} for {k}" for k, v in LR.items()) + ")")
    p.add_argument("--momentum", type=real(0, 1), metavar="M", default=None,
                   help=f"SGD momentum, in [0, 1] (default: {d['momentum']})")
    p.add_argument("--schedule", choices=("cosine", "constant"), default=None,
                   help="learning rate over the epochs: cosine annealing to 0, or constant "
                        f"(default: {d['schedule']})")
    p.add_argument("--val-fraction", type=real(0, 0.5, open_low=True), metavar="F", default=None,
                   help="fraction of the training data held out for validation, in (0, 0.5] "
                        f"(default: {d['val_fraction']})")
    p.add_argument("--patience", type=integer(1), metavar="N", default=None,
                   help="stop after this many epochs without a better validation loss "
                        f"(default: {d['patience']})")
    p.add_argument("--seed", type=integer(0), metavar="N", default=None,
                   help=f"random seed: split, initial weights, shuffling (default: {d['seed']})")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="folder with the four MNIST or Fashion-MNIST .gz files (CIFAR-10: "
                        "cifar-10-binary.tar.gz), or the folder holding mnist/, "
                        "fashion-mnist/ and cifar-10/ (default: $MINIGRAD_DATA, else the user "
                        "cache, ~/.cache/minigrad on Linux)")
    p.add_argument("--download", action="store_true",
                   help="fetch missing MNIST/Fashion-MNIST/CIFAR-10 files (needs network; "
                        "sha256 checked)")
    p.add_argument("--threads", type=integer(1), metavar="N", default=1,
                   help="BLAS threads (through threadpoolctl); 1 keeps the time per epoch "
                        "steady on a shared machine, and results depend on it slightly")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for the written files (default: a new "
                        "runs/classify/version_N; with --resume, the newest one)")
    p.add_argument("--resume", action="store_true",
                   help=f"continue the run in --out from its {CHECKPOINT}, exactly where it "
                        "stopped (its settings are kept)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--debug", action="store_true",
                   help="show the Python traceback of an error, not just its one line")
    return p


def parse_args(argv=None) -> argparse.Namespace:
    """Options as given; ``args.given`` names the run settings typed on the command line.
    Defaults are filled in by :func:`fill_defaults` (after a checkpoint's, on --resume)."""
    p = make_parser()
    args = p.parse_args(argv)
    args.given = {k for k in SETTINGS if getattr(args, k) is not None}
    if not args.resume:
        fill_defaults(args)
        if args.model == "softmax" and "hidden" in args.given:
            p.error("argument --hidden: softmax regression has no hidden layers "
                    "(use --model mlp)")
        if args.model == "cnn" and len(args.hidden) > 1:
            p.error("argument --hidden: the cnn has one hidden dense layer, got "
                    f"{_show(args.hidden)}")
        if args.optimizer == "adam" and "momentum" in args.given:
            p.error("argument --momentum: applies to --optimizer sgd only")
    return args


def model_defaults(dataset: str, model: str) -> dict:
    """The defaults of the run settings for this dataset and model."""
    return {**DEFAULTS, **PER_DATASET[dataset]["cnn" if model == "cnn" else "mlp"]}


def defaults_table() -> str:
    """The per-dataset, per-model defaults, as --help shows them."""
    rows = [("dataset", "model", "hidden", "epochs", "batch size", "optimizer")]
    for dataset, per_model in PER_DATASET.items():
        for model in per_model:
            d = model_defaults(dataset, model)
            rows.append((dataset, "softmax, mlp" if model == "mlp" else model,
                         _show(d["hidden"]), str(d["epochs"]),
                         str(d["batch_size"]), d["optimizer"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return ("defaults that depend on the dataset and the model (softmax regression has no "
            "hidden layer):\n  " + "\n  ".join(lines))


def fill_defaults(args: argparse.Namespace) -> None:
    for key in ("dataset", "model"):
        if getattr(args, key) is None:
            setattr(args, key, DEFAULTS[key])
    for key, value in model_defaults(args.dataset, args.model).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.model == "softmax":
        args.hidden = []
    args.lr_is_default = args.lr is None
    if args.lr is None:
        args.lr = LR[args.optimizer]


def settings(args: argparse.Namespace) -> dict:
    return {k: getattr(args, k) for k in SETTINGS}


# ----------------------------------------------------------------------------- data
def load_pixels(args) -> Splits:
    """Train/validation/test arrays of pixels in [0, 1]. Digits has no official test
    split: 20% is held out."""
    from minigrad import datasets

    rng = np.random.default_rng(args.seed)
    if args.dataset == "digits":
        ds = datasets.load_digits()
        x, y = ds.as_arrays(flatten=True)
        order = rng.permutation(len(y))
        n_test = int(round(0.2 * len(y)))
        test, rest = order[:n_test], order[n_test:]
        x_test, y_test, x, y = x[test], y[test], x[rest], y[rest]
    else:
        ds, test_ds = load_files(args)
        (x, y), (x_test, y_test) = _pixels(ds), _pixels(test_ds)
    order = rng.permutation(len(y))
    n_val = int(round(args.val_fraction * len(y)))
    val, tr = order[:n_val], order[n_val:]
    colour = ds.data.ndim == 4  # CIFAR-10's (N, H, W, 3)
    shape = tuple(ds.data.shape[1:3] if colour else ds.data.shape[1:])
    return Splits(x[tr], y[tr], x[val], y[val], x_test, y_test, list(ds.classes), shape,
                  channels=ds.data.shape[3] if colour else 1)


def _pixels(ds) -> tuple[np.ndarray, np.ndarray]:
    """Flattened float32 pixels in [0, 1] (uint8 / 255), colour planes one after the
    other (channels first, as the cnn takes them), and int64 labels."""
    images = ds.data if ds.data.ndim == 3 else np.moveaxis(ds.data, -1, 1)
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    return x, ds.targets.astype(np.int64)


def load_files(args):
    """MNIST, Fashion-MNIST or CIFAR-10, train and test; a missing folder or file is one
    clear line."""
    from minigrad import datasets

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST,
           "cifar10": datasets.CIFAR10}[args.dataset]
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise DemoError(f"--data-dir {args.data_dir}: no such folder")
    root = args.data_dir if args.data_dir is not None else None
    try:
        return (cls(root, train=True, download=args.download),
                cls(root, train=False, download=args.download))
    except FileNotFoundError:
        where = os.fspath(root if root is not None else datasets.default_data_dir())
        files = ("cifar-10-binary.tar.gz (or its cifar-10-batches-bin folder)"
                 if cls is datasets.CIFAR10 else f"the four files ({', '.join(cls.sha256)})")
        raise DemoError(
            f"no {args.dataset} files in {where} (nor in {os.path.join(where, cls.folder)}): "
            f"put {files} there, point --data-dir at their folder, or add --download to "
            "fetch them") from None


# ---------------------------------------------------------------------------- model
def build_model(kind: str, n_in: int, n_classes: int, hidden: list[int],
                image_shape: tuple[int, int] | None = None, channels: int = 1) -> nn.Module:
    """Softmax regression (Linear; the softmax lives in the loss), a ReLU MLP on ``n_in``
    features, or (``kind="cnn"``) a LeNet-style CNN on images of ``channels`` planes of
    ``image_shape`` (square) with at most one hidden dense layer."""
    if kind == "cnn":
        from minigrad.models import lenet

        side = math.isqrt(n_in // channels)
        if (image_shape or (side, side)) != (side, side) or channels * side * side != n_in:
            raise DemoError(f"--model cnn: expected square images, got {image_shape} "
                            f"({n_in} pixels)")
        return lenet(channels, side, n_classes, hidden=hidden[0] if hidden else None,
                     channels=CNN_CHANNELS)
    if kind == "softmax":
        return nn.Sequential(nn.Linear(n_in, n_classes))
    sizes_ = [n_in, *hidden]
    layers: list[nn.Module] = []
    for a, b in zip(sizes_[:-1], sizes_[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes_[-1], n_classes))


def build_optimizer(model: nn.Module, args):
    """The optimizer and the learning-rate schedule (None for a constant rate)."""
    if args.optimizer == "sgd":
        opt = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    else:
        opt = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = (optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
                 if args.schedule == "cosine" else None)
    return opt, scheduler


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


# ------------------------------------------------------------------- training state
@dataclass
class State:
    """Everything a resumed run needs beyond the model and optimizer."""

    epoch: int = 0                      # epochs completed
    best_val: float = math.inf
    best_epoch: int = -1
    best_model: dict = field(default_factory=dict)
    bad_epochs: int = 0
    history: dict = field(default_factory=lambda: {
        k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds")})


@dataclass
class Run:
    """A training run: its folder, what it wrote, its model, optimizer and RNGs."""

    args: argparse.Namespace
    out: str
    data: Splits
    model: nn.Module
    opt: optim.Optimizer
    scheduler: object
    shuffle: np.random.Generator
    state: State = field(default_factory=State)
    written: list[str] = field(default_factory=list)
    saved_epoch: int = 0  # the epoch the checkpoint on disk was written after

    @property
    def checkpoint(self) -> str:
        return os.path.join(self.out, CHECKPOINT)

    def wrote(self, path: str | None) -> None:
        if path and path not in self.written:
            self.written.append(path)


def save_checkpoint(run: Run) -> None:
    """The whole run after the current epoch: model, optimizer, schedule, best weights,
    history, settings and both RNG states (written atomically by mg.save)."""
    s = run.state
    ckpt = {"format": FORMAT, "settings": settings(run.args), "epoch": s.epoch,
            "model": run.model.state_dict(), "optimizer": run.opt.state_dict(),
            "best": {"model": s.best_model, "val_loss": s.best_val, "epoch": s.best_epoch},
            "bad_epochs": s.bad_epochs, "history": s.history,
            "rng": {"shuffle": run.shuffle.bit_generator.state,
                    "minigrad": mg.random.default_generator().bit_generator.state}}
    if run.scheduler is not None:
        ckpt["scheduler"] = run.scheduler.state_dict()
    mg.save(ckpt, run.checkpoint)
    run.saved_epoch = s.epoch
    run.wrote(run.checkpoint)


def read_checkpoint(out: str) -> dict:
    path = os.path.join(out, CHECKPOINT)
    if not os.path.isfile(path):
        raise DemoError(f"--resume: no checkpoint {path}; start the run without --resume "
                        "(or point --out at the run to continue)")
    try:
        ckpt = mg.load(path)
    except (ValueError, OSError) as err:
        raise DemoError(f"--resume: {path} is not a readable checkpoint ({err})") from err
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise DemoError(f"--resume: {path} was not written by this version of demos.classify")
    return ckpt


def resume_settings(args: argparse.Namespace, saved: dict) -> None:
    """Take the checkpoint's settings; options given now must agree with them, except
    --patience, and --epochs under a constant schedule (cosine's depends on --epochs)."""
    free = {"patience"} | ({"epochs"} if saved["schedule"] == "constant" else set())
    clash = [k for k in sorted(args.given - free) if _differs(k, getattr(args, k), saved[k])]
    if clash:
        was = " ".join(f"--{k.replace('_', '-')} {_show(saved[k])}" for k in clash)
        now = " ".join(f"--{k.replace('_', '-')} {_show(getattr(args, k))}" for k in clash)
        raise DemoError(f"--resume: the checkpoint in {args.out} was trained with {was}, not "
                        f"{now}; drop these options to continue it exactly, or start a new "
                        "run (without --resume)")
    lr_default = saved["lr"] == LR[saved["optimizer"]]
    for key in SETTINGS:
        if key not in args.given or key not in free:
            setattr(args, key, saved[key])
    args.hidden = list(saved["hidden"])
    args.lr_is_default = lr_default


def _differs(key: str, given, saved) -> bool:
    if key == "hidden":
        return list(given) != list(saved)
    return given != saved


def _show(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def restore(run: Run, ckpt: dict) -> None:
    run.model.load_state_dict(ckpt["model"])
    run.opt.load_state_dict(ckpt["optimizer"])
    if run.scheduler is not None:
        run.scheduler.load_state_dict(ckpt["scheduler"])
    run.shuffle.bit_generator.state = ckpt["rng"]["shuffle"]
    mg.random.default_generator().bit_generator.state = ckpt["rng"]["minigrad"]
    best = ckpt["best"]
    run.state = State(epoch=int(ckpt["epoch"]), best_val=float(best["val_loss"]),
                      best_epoch=int(best["epoch"]), best_model=best["model"],
                      bad_epochs=int(ckpt["bad_epochs"]),
                      history={k: list(v) for k, v in ckpt["history"].items()})


# ------------------------------------------------------------------------- training
def setup(args: argparse.Namespace) -> tuple[Run, dict | None]:
    """The run folder, data, model and optimizer; on --resume, the checkpoint too."""
    ckpt = None
    if args.resume:
        args.out = args.out or _common.latest_run_dir("classify")
        if args.out is None:
            raise DemoError("--resume: no run to continue in runs/classify; give --out")
        ckpt = read_checkpoint(args.out)
        resume_settings(args, ckpt["settings"])
    elif args.out and os.path.exists(os.path.join(args.out, CHECKPOINT)):
        print(f"note: --out {args.out} holds an earlier run; its files are replaced "
              "(use --resume to continue it)", file=sys.stderr)
    out = _common.out_dir(args, "classify")
    args.out = out
    mg.manual_seed(args.seed)
    data = load_pixels(args).standardised().for_model(args.model)
    model = build_model(args.model, data.n_features, len(data.classes), args.hidden,
                        data.image_shape, data.channels)
    opt, scheduler = build_optimizer(model, args)
    run = Run(args, out, data, model, opt, scheduler, np.random.default_rng(args.seed))
    if ckpt is not None:
        restore(run, ckpt)
        run.saved_epoch = run.state.epoch
    return run, ckpt


def header(run: Run) -> str:
    a = run.args
    arch = architecture(a.model, run.data, a.hidden)
    lr = f"lr {a.lr:g}" + (f" (the default for {a.optimizer})" if a.lr_is_default else "")
    opt = f"sgd momentum {a.momentum:g}" if a.optimizer == "sgd" else "adam"
    return (f"{arch} on {a.dataset}: {opt}, {lr}, {a.schedule} schedule, batch "
            f"{a.batch_size}, up to {a.epochs} epochs (patience {a.patience}), seed {a.seed}, "
            f"{a.threads} BLAS thread{'s' if a.threads > 1 else ''}; writing to {run.out}")


def architecture(kind: str, data: Splits, hidden: list[int]) -> str:
    """The model in a few words: "MLP 784-256-128-10", "CNN 1x28x28 conv16-..."."""
    sizes_ = [*hidden, len(data.classes)]
    if kind == "softmax":
        return "softmax regression"
    if kind == "mlp":
        return "MLP " + "-".join(map(str, [data.n_features, *sizes_]))
    c1, c2 = CNN_CHANNELS
    return f"CNN {_image_size(data)} conv{c1}-pool-conv{c2}-pool-" + "-".join(map(str, sizes_))


def _image_size(data: Splits) -> str:
    """"28x28" for one channel, "3x32x32" for colour."""
    planes = (data.channels,) if data.channels > 1 else ()
    return "x".join(map(str, (*planes, *data.image_shape)))


def train(args: argparse.Namespace) -> dict:
    run, ckpt = setup(args)
    data, model = run.data, run.model
    n_classes = len(data.classes)
    print(header(run))
    inputs = (f"{_image_size(data)} images" if args.model == "cnn"
              else f"{data.n_features} features")
    print(f"{args.dataset}: {len(data.y_train)} train / {len(data.y_val)} validation / "
          f"{len(data.y_test)} test samples, {inputs}, {n_classes} classes")
    print(model)
    loss0, _, _ = evaluate(model, data.x_train, data.y_train)
    if ckpt is not None:
        print(f"resumed from {run.checkpoint} after epoch {run.state.epoch} (best validation "
              f"loss {run.state.best_val:.4f}); training loss now {loss0:.4f}")
    else:
        print(f"initial loss {loss0:.4f}  vs  ln({n_classes}) = {math.log(n_classes):.4f}"
              "  (an untrained model guesses uniformly)")
    t_start = time.perf_counter()
    try:
        fit(run)
        return finish(run, time.perf_counter() - t_start)
    except KeyboardInterrupt:  # after the epochs (fit names the epoch it was in)
        raise DemoError("interrupted; " + last_good(run), _common.INTERRUPTED) from None


def fit(run: Run) -> None:
    """Epochs until --epochs or early stopping; a checkpoint after each one. Ctrl-C and
    divergence stop with one line naming the last good checkpoint."""
    from tqdm.auto import tqdm

    from minigrad.data import DataLoader, TensorDataset

    args, data, s = run.args, run.data, run.state
    loader = DataLoader(TensorDataset(mg.tensor(data.x_train), mg.tensor(data.y_train)),
                        batch_size=args.batch_size, shuffle=True, generator=run.shuffle)
    head = f"{'epoch':>5} {'train loss':>10} {'train acc':>9} {'val loss':>9} {'val acc':>8}" \
           f" {'time':>6}"
    print(head + "\n" + "-" * len(head))
    if not s.best_model:
        s.best_model = _copy_state(run.model)
    try:
        while s.epoch < args.epochs and s.bad_epochs < args.patience:
            t0 = time.perf_counter()
            bar = tqdm(loader, desc=f"epoch {s.epoch + 1}/{args.epochs}", leave=False,
                       disable=True if args.quiet else None, file=sys.stderr)  # None: TTY
            train_loss, train_acc = run_epoch(run, bar)
            end_epoch(run, train_loss, train_acc, time.perf_counter() - t0, tqdm.write)
    except KeyboardInterrupt:
        raise DemoError(f"interrupted in epoch {s.epoch + 1}; " + last_good(run),
                        _common.INTERRUPTED) from None
    if s.bad_epochs >= args.patience:
        print(f"early stopping: no better validation loss for {args.patience} epochs")


def last_good(run: Run) -> str:
    if not os.path.isfile(run.checkpoint):
        return "no checkpoint was written yet"
    return (f"the last good checkpoint is {run.checkpoint} (after epoch {run.saved_epoch}); "
            f"continue with: {PROG} --resume --out {run.out}")


def run_epoch(run: Run, batches) -> tuple[float, float]:
    """One pass over the training batches: mean loss and accuracy (as seen while training)."""
    seen, loss_sum, correct = 0, 0.0, 0
    for step, (xb, yb) in enumerate(batches, 1):
        logits = run.model(xb)
        loss = F.cross_entropy(logits, yb)
        value = loss.item()
        if not math.isfinite(value):
            raise DemoError(f"training diverged: the loss is {value} in epoch "
                            f"{run.state.epoch + 1}, batch {step}; --lr {run.args.lr:g} is "
                            f"too large for {run.args.optimizer} (try --lr "
                            f"{run.args.lr / 10:g}); {_common.written_line(run.written)}")
        run.opt.zero_grad()
        loss.backward()
        run.opt.step()
        n = len(yb)
        seen += n
        loss_sum += value * n
        correct += int((logits.array.argmax(axis=1) == yb.array).sum())
        if hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{loss_sum / seen:.4f}", refresh=False)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


def end_epoch(run: Run, train_loss: float, train_acc: float, seconds: float, write) -> None:
    """Validation, the schedule's step, best-weights bookkeeping, the checkpoint, one row."""
    s = run.state
    if run.scheduler is not None:
        run.scheduler.step()
    val_loss, val_acc, _ = evaluate(run.model, run.data.x_val, run.data.y_val)
    if not math.isfinite(val_loss):
        raise DemoError(f"training diverged: the validation loss is {val_loss} after epoch "
                        f"{s.epoch + 1}; --lr {run.args.lr:g} is too large for "
                        f"{run.args.optimizer} (try --lr {run.args.lr / 10:g}); "
                        + _common.written_line(run.written))
    for key, value in zip(s.history, (train_loss, train_acc, val_loss, val_acc, seconds)):
        s.history[key].append(value)
    mark = ""
    if val_loss < s.best_val:
        s.best_val, s.best_epoch, s.bad_epochs, mark = val_loss, s.epoch, 0, "  *"
        s.best_model = _copy_state(run.model)
    else:
        s.bad_epochs += 1
    s.epoch += 1
    save_checkpoint(run)
    write(f"{s.epoch:>5} {train_loss:>10.4f} {train_acc:>9.2%} {val_loss:>9.4f} "
          f"{val_acc:>8.2%} {seconds:>5.1f}s{mark}")


def _copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def finish(run: Run, train_seconds: float) -> dict:
    """Restore the best weights, test, report, plot; list the files this run wrote."""
    s, data, model = run.state, run.data, run.model
    if s.best_epoch < 0:
        raise DemoError("no epoch was trained (" + last_good(run) + ")")
    model.load_state_dict(s.best_model)
    print(f"restored the best weights (epoch {s.best_epoch + 1}, validation loss "
          f"{s.best_val:.4f}); * marks improvements")
    test_loss, test_acc, pred = evaluate(model, data.x_test, data.y_test)
    print(f"\ntest accuracy {test_acc:.2%} (loss {test_loss:.4f}) after "
          f"{len(s.history['val_loss'])} epochs, {train_seconds:.1f}s of training\n")
    from minigrad.metrics import classification_report

    print(classification_report(pred, data.y_test, class_names=data.classes))
    run.wrote(plot_curves(s.history, s.best_epoch, run.args,
                          os.path.join(run.out, "curves.png")))
    run.wrote(draw_model_graph(model, data, run.out))
    print(_common.written_line(run.written))
    return {"test_accuracy": test_acc, "test_loss": test_loss,
            "epochs": len(s.history["val_loss"]), "seconds": train_seconds,
            "history": s.history, "out": run.out, "written": list(run.written)}


# --------------------------------------------------------------------------- output
def plot_curves(history: dict, best_epoch: int, args, path: str) -> str | None:
    """Loss and accuracy (in percent) per epoch, train vs validation, best epoch marked."""
    plt = _common.pyplot()
    if plt is None:
        return None
    epochs = np.arange(1, len(history["val_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label, scale in ((ax_loss, "loss", "cross-entropy loss", 1),
                                  (ax_acc, "acc", "accuracy (%)", 100)):
        ax.plot(epochs, np.asarray(history[f"train_{key}"]) * scale, "o-", label="train",
                markersize=3)
        ax.plot(epochs, np.asarray(history[f"val_{key}"]) * scale, "s-", label="validation",
                markersize=3)
        ax.axvline(best_epoch + 1, color="grey", linestyle=":", label="best (restored)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"{args.model} on {args.dataset} ({args.optimizer}, lr {args.lr:g}, "
                 f"batch {args.batch_size})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_model_graph(model: nn.Module, data: Splits, out: str) -> str | None:
    """The computation graph of the loss on a small batch: graph.svg if graphviz's dot
    is installed, else the DOT source with a note on how to render it. The other file,
    left by an earlier run in the same folder, is removed."""
    try:
        from minigrad.viz import draw_graph
    except ImportError as err:
        print(f"no graph diagram: {err}", file=sys.stderr)
        return None
    loss = F.cross_entropy(model(mg.tensor(data.x_train[:4])), mg.tensor(data.y_train[:4]))
    try:
        dot = draw_graph(loss, params=model)
    except ImportError as err:  # the graphviz Python package is missing
        print(f"no graph diagram: {err} (pip install graphviz)", file=sys.stderr)
        return None
    svg, dot_path = os.path.join(out, "graph.svg"), os.path.join(out, "graph.dot")
    if shutil.which("dot"):
        path = dot.render(os.path.join(out, "graph"), format="svg", cleanup=True)
        stale = dot_path
    else:
        with open(dot_path, "w") as f:
            f.write(dot.source)
        print(f"graphviz's dot is not installed: wrote {dot_path}; render it with "
              f"`dot -Tsvg {dot_path} -o {svg}` after `apt-get install graphviz`",
              file=sys.stderr)
        path, stale = dot_path, svg
    if os.path.exists(stale):
        os.remove(stale)
    return path


def main(argv=None) -> dict:
    args = parse_args(argv)
    return _common.run(PROG, args, lambda: train(args))


if __name__ == "__main__":
    main()
