"""Small fake Fashion-MNIST files where the tutorials' ``root="data"`` puts them
(``root/FashionMNIST/raw``, torchvision's layout), so ``download=True`` finds them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "datasets"))

from idx_files import write_mnist_folder  # noqa: E402


def fashion_root(tmp_path: Path, n_train: int = 150, n_test: int = 70) -> tuple[str, dict]:
    """A ``root`` folder for ``datasets.FashionMNIST`` and the arrays written there."""
    root = tmp_path / "data"
    arrays = write_mnist_folder(root / "FashionMNIST" / "raw", n_train, n_test)
    return str(root), arrays
