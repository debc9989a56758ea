"""Helpers writing small IDX files for the tests (the real files are never needed)."""

import gzip
from pathlib import Path

import numpy as np


def idx_bytes(arr: np.ndarray, magic: int | None = None) -> bytes:
    """The IDX encoding of ``arr`` (uint8 type code 0x08 unless it is big-endian int32)."""
    code = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}[arr.dtype]
    header = bytes([0, 0, code, arr.ndim]) if magic is None else magic.to_bytes(4, "big")
    return header + b"".join(d.to_bytes(4, "big") for d in arr.shape) + arr.tobytes()


def write_idx(path: Path, arr: np.ndarray, compress: bool = True) -> Path:
    data = idx_bytes(arr)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def fake_split(n: int, seed: int, counts=None):
    """``n`` random 28x28 uint8 images and labels 0..9 (or with the given counts)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    if counts is None:
        labels = (np.arange(n) % 10).astype(np.uint8)
    else:
        labels = np.repeat(np.arange(10), counts).astype(np.uint8)
        rng.shuffle(labels)
    return images, labels


def write_mnist_folder(folder: Path, n_train: int = 12, n_test: int = 5,
                       compress: bool = True) -> dict:
    """The four MNIST-named files with fake content; returns the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = fake_split(n, seed)
        suffix = ".gz" if compress else ""
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images, compress)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels, compress)
        arrays[split] = (images, labels)
    return arrays
