"""MNIST and Fashion-MNIST from their four original gzip IDX files, as torchvision."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from .base import ClassificationDataset, default_data_dir
from .idx import IMAGES_MAGIC, LABELS_MAGIC, IDXError, read_idx

__all__ = ["MNIST", "FashionMNIST", "DownloadError", "DatasetMismatchError"]

_INSTALL = ("downloading needs pooch, an optional dependency of minigrad. Install it with "
            "`pip install pooch tqdm` (or `pip install minigrad[demos]`), or put the files "
            "in place yourself and pass their folder as root.")


class DownloadError(OSError):
    """No mirror could provide a dataset file (offline, or every mirror failed)."""


class DatasetMismatchError(ValueError):
    """A local file is not the original file of this dataset: modified, corrupt, or the
    file of another dataset (the message names which one)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url: str, sha256: str, folder: Path, fname: str) -> Path:
    """Download ``url`` to ``folder/fname`` through pooch (hash-checked, atomic, with a
    progress bar when tqdm is installed). Tests replace this function."""
    try:
        import pooch
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    try:
        import tqdm  # noqa: F401
        progress = True
    except ImportError:
        progress = False
    return Path(pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=fname,
                               path=folder, progressbar=progress))


class MNIST(ClassificationDataset):
    """The MNIST handwritten digits (60,000 train / 10,000 test 28x28 images).

    ``root`` is a folder holding the four original files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``; ``root/mnist``, torchvision's ``root/MNIST/raw``
    and un-gzipped files also work). Without ``root``: ``$MINIGRAD_DATA/mnist`` or the user
    cache (:func:`default_data_dir`). ``download=True`` fetches missing files from the
    mirrors in turn, checking their sha256.

    Local files are checked too (``verify=True``): each must be the original file, by its
    sha256 (``sha256`` for the ``.gz`` files, ``sha256_idx`` for un-gzipped ones), so a
    modified file, or Fashion-MNIST's files in MNIST's folder, raise
    :class:`DatasetMismatchError` naming the dataset the file belongs to.
    ``verify=False`` reads any IDX files of the right shape (your own data, say).

    ``ds[i]`` is ``(image, label)``: a float32 (28, 28) Tensor in [0, 1] and an int;
    ``ds.data`` is the uint8 (N, 28, 28) array, ``ds.targets`` int64 (N,), and
    ``ds.classes`` the names. A DataLoader over it batches with one fancy index.
    ``transform`` gets the uint8 (28, 28) numpy image (torchvision passes a PIL image),
    so ``transform=transforms.ToTensor()`` gives float32 (1, 28, 28) in [0, 1] as
    torchvision; ``target_transform`` gets the int label.

    >>> from minigrad.datasets import MNIST
    >>> train = MNIST("data/mnist", train=True)                   # doctest: +SKIP
    >>> image, label = train[0]                                   # doctest: +SKIP
    >>> image.shape, image.dtype, label                           # doctest: +SKIP
    ((28, 28), dtype('float32'), 5)
    """

    folder = "mnist"
    mirrors: tuple[str, ...] = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                                "https://storage.googleapis.com/cvdf-datasets/mnist/")
    sha256: dict[str, str] = {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
    sha256_idx: dict[str, str] = {  # the same files un-gzipped
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }
    class_names: list[str] = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                              "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    image_size: tuple[int, int] = (28, 28)

    def __init__(self, root: str | os.PathLike[str] | None = None, train: bool = True,
                 transform: Callable[[np.ndarray], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None,
                 download: bool = False, verify: bool = True) -> None:
        self.root: Path = Path(root).expanduser() if root is not None \
            else default_data_dir() / self.folder
        self.train: bool = bool(train)
        split = "train" if self.train else "t10k"
        names = (f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz")
        paths = [self._find(name) for name in names]
        if None in paths:
            if not download:
                raise FileNotFoundError(self._missing_message(names, paths))
            self.download(self.root)
            paths = [self._find(name) for name in names]
        ipath, lpath = cast("list[Path]", paths)  # all found (or downloaded) by now
        images = read_idx(ipath, expected_magic=IMAGES_MAGIC)
        labels = read_idx(lpath, expected_magic=LABELS_MAGIC)
        self._check(images, labels, ipath, lpath)
        if verify:
            for path in (ipath, lpath):
                self._verify(path)
        super().__init__(images, labels.astype(np.int64), self.class_names, transform,
                         target_transform)

    # ------------------------------------------------------------------ files
    def _find(self, name: str) -> Path | None:
        for folder in (self.root, self.root / self.folder,
                       self.root / type(self).__name__ / "raw"):
            for candidate in (folder / name, folder / name.removesuffix(".gz")):
                if candidate.is_file():
                    return candidate
        return None

    def _check(self, images: np.ndarray, labels: np.ndarray, ipath: Path,
               lpath: Path) -> None:
        if images.ndim != 3 or images.shape[1:] != self.image_size:
            raise IDXError(f"{ipath}: images of shape {images.shape}, expected "
                           f"(N, {self.image_size[0]}, {self.image_size[1]})")
        if images.dtype != np.uint8:
            raise IDXError(f"{ipath}: pixels of type {images.dtype}, expected uint8")
        if labels.ndim != 1:
            raise IDXError(f"{lpath}: labels of shape {labels.shape}, expected (N,)")
        if len(images) != len(labels):
            raise IDXError(f"{ipath} holds {len(images)} images but {lpath} holds "
                           f"{len(labels)} labels; the two files do not belong together")
        if labels.size and labels.max() >= len(self.class_names):
            raise IDXError(f"{lpath}: label {int(labels.max())} is out of range for "
                           f"{len(self.class_names)} classes")

    def _verify(self, path: Path) -> None:
        """The file is this dataset's original file, by sha256; else name what it is."""
        digest = _sha256(path)
        name = path.name
        if digest in (self.sha256.get(name), self.sha256_idx.get(name)):
            return
        for cls in _KNOWN:
            for fname, sha in (*cls.sha256.items(), *cls.sha256_idx.items()):
                if digest == sha:
                    raise DatasetMismatchError(self._mismatch_message(path, cls, fname))
        raise DatasetMismatchError(
            f"{type(self).__name__}: {path} is not the original {name} (sha256 "
            f"{digest[:16]}...): corrupt or modified. Delete it and fetch it again "
            "(download=True), or pass verify=False to read other IDX files")

    def _mismatch_message(self, path: Path, owner: type[MNIST], fname: str) -> str:
        me = type(self).__name__
        if owner is type(self):
            return f"{me}: {path} is {me}'s {fname}, not {path.name}: the files are mixed up"
        return (f"{me}: {path} is {owner.__name__}'s {fname}, not {me}'s: these are the "
                f"{owner.__name__} files; point root (--data-dir in the demos) at the "
                f"{self.folder} files")

    def _missing_message(self, names: Sequence[str], paths: Sequence[Path | None]) -> str:
        missing = ", ".join(n for n, p in zip(names, paths) if p is None)
        return (f"{type(self).__name__}: {missing} not found in {self.root}. Put the four "
                f"files ({', '.join(self.sha256)}) in a folder and pass it as root "
                f"({type(self).__name__}(root='path/to/folder'), or --data-dir in the "
                f"demos), set MINIGRAD_DATA to a folder with a '{self.folder}' subfolder, "
                "or pass download=True where there is network.")

    @classmethod
    def download(cls, root: str | os.PathLike[str] | None = None) -> Path:
        """Fetch the four files into ``root`` (default: ``default_data_dir()/folder``),
        skipping those already there; each file from the first mirror that works.

        >>> from minigrad.datasets import FashionMNIST
        >>> FashionMNIST.download("data/fashion-mnist")           # doctest: +SKIP
        """
        folder = Path(root).expanduser() if root is not None \
            else default_data_dir() / cls.folder
        for fname, sha in cls.sha256.items():
            if (folder / fname).is_file():
                continue
            errors: list[str] = []
            for mirror in cls.mirrors:
                url = mirror + fname
                try:
                    _fetch(url, sha, folder, fname)
                    break
                except ImportError:
                    raise
                except Exception as err:  # noqa: BLE001 - any failure: try the next mirror
                    errors.append(f"  {url}: {type(err).__name__}: {err}")
            else:
                raise DownloadError(
                    f"{cls.__name__}: could not download {fname} from any mirror:\n"
                    + "\n".join(errors) + "\n"
                    f"Offline? Get the four files ({', '.join(cls.sha256)}) elsewhere, put "
                    f"them in {folder} (or any folder, then pass it as root="
                    f"'path/to/folder', or --data-dir path/to/folder in the demos; or set "
                    f"MINIGRAD_DATA to a folder with a '{cls.folder}' subfolder).")
        return folder


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 clothing images in 10 classes, the same files and
    API as :class:`MNIST` (``root`` default ``$MINIGRAD_DATA/fashion-mnist``).

    >>> from minigrad.datasets import FashionMNIST
    >>> test = FashionMNIST("data/fashion-mnist", train=False)     # doctest: +SKIP
    >>> len(test), test.classes[9]                                # doctest: +SKIP
    (10000, 'Ankle boot')
    """

    folder = "fashion-mnist"
    mirrors: tuple[str, ...] = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    sha256: dict[str, str] = {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
    class_names: list[str] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot"]
    sha256_idx: dict[str, str] = {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    }


_KNOWN: tuple[type[MNIST], ...] = (MNIST, FashionMNIST)  # whose files a mismatch can name
