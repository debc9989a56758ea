"""Small fake Fashion-MNIST files where the tutorials' ``root="data"`` puts them
(``root/FashionMNIST/raw``, torchvision's layout), so ``download=True`` finds them."""

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "datasets"))

from idx_files import write_mnist_folder  # noqa: E402

from minigrad.datasets import MNIST, FashionMNIST  # noqa: E402


def fashion_root(tmp_path: Path, monkeypatch, n_train: int = 150,
                 n_test: int = 70) -> tuple[str, dict]:
    """A ``root`` folder for ``datasets.FashionMNIST`` and the arrays written there.

    The files' sha256 stand in for the originals' for this test, so that a dataset that
    checks the files it reads (or would download) takes these as its own."""
    return _idx_root(tmp_path, monkeypatch, FashionMNIST, n_train, n_test)


def mnist_root(tmp_path: Path, monkeypatch, n_train: int = 150,
               n_test: int = 70) -> tuple[str, dict]:
    """The same for ``datasets.MNIST`` (``root/MNIST/raw``)."""
    return _idx_root(tmp_path, monkeypatch, MNIST, n_train, n_test)


def _idx_root(tmp_path, monkeypatch, cls, n_train, n_test):
    raw = tmp_path / "data" / cls.__name__ / "raw"
    arrays = write_mnist_folder(raw, n_train, n_test)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.iterdir()}
    monkeypatch.setattr(cls, "sha256", digests)
    return str(tmp_path / "data"), arrays
