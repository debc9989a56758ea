"""CIFAR-10 from its original binary distribution (``cifar-10-binary.tar.gz``).

The archive holds ``cifar-10-batches-bin/``: ``data_batch_1.bin`` .. ``data_batch_5.bin``
(training, 10,000 images each), ``test_batch.bin`` (10,000) and ``batches.meta.txt``
(the class names). Each ``.bin`` file is a run of 3,073-byte records: one label byte
(0..9), then the 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes, each a
row-major plane. Never the pickled "python version": loading it would run pickle.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .base import ClassificationDataset, default_data_dir
from .mnist import DownloadError, _fetch

__all__ = ["CIFAR10", "CIFARError"]

_RECORD = 1 + 3 * 32 * 32  # label byte + CHW pixels


class CIFARError(ValueError):
    """A CIFAR-10 file that is corrupt or truncated (or an archive missing a file); the
    message names the file."""


def read_cifar_bin(path: str | os.PathLike[str],
                   num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 ``.bin`` batch: uint8 images (N, 32, 32, 3), HWC as torchvision's
    ``data``, and uint8 labels (N,). A size that is not a whole number of records, or a
    label out of range, raises :class:`CIFARError` naming the file.

    >>> import os, tempfile, numpy as np
    >>> from minigrad.datasets.cifar import read_cifar_bin
    >>> path = os.path.join(tempfile.mkdtemp(), "test_batch.bin")
    >>> record = np.concatenate([[7], np.full(3072, 255)]).astype(np.uint8)
    >>> record.tofile(path)
    >>> images, labels = read_cifar_bin(path)
    >>> images.shape, labels
    ((1, 32, 32, 3), array([7], dtype=uint8))
    """
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % _RECORD:
        whole, rest = divmod(raw.size, _RECORD)
        raise CIFARError(f"{path}: {raw.size} bytes is not a whole number of {_RECORD}-byte "
                         f"records ({whole} records and {rest} bytes left over): the file is "
                         "truncated or corrupt. Delete it and fetch it again.")
    records = raw.reshape(-1, _RECORD)
    labels = records[:, 0].copy()
    if labels.max() >= num_classes:
        bad = int(np.argmax(labels >= num_classes))
        raise CIFARError(f"{path}: record {bad} has label {labels[bad]}, out of range for "
                         f"{num_classes} classes; the file is corrupt (or not a CIFAR-10 "
                         "batch: CIFAR-100's records have two label bytes)")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


class CIFAR10(ClassificationDataset):
    """CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 train / 10,000 test).

    ``root`` is a folder holding ``cifar-10-binary.tar.gz`` (extracted there on first use)
    or its extracted ``cifar-10-batches-bin/`` folder (``root/cifar-10`` and the
    ``cifar-10-batches-bin`` folder itself work too). Without ``root``:
    ``$MINIGRAD_DATA/cifar-10`` or the user cache (:func:`default_data_dir`).
    ``download=True`` fetches the archive (162 MiB) with pooch, checking its sha256.

    ``ds[i]`` is ``(image, label)``: a float32 (3, 32, 32) Tensor in [0, 1] (channels
    first, what ``nn.Conv2d`` takes) and an int. ``ds.data`` is the uint8 (N, 32, 32, 3)
    array (channels last, as torchvision's), ``ds.targets`` int64 (N,), ``ds.classes``
    the ten names. A DataLoader batches it with one fancy index. ``transform`` gets the
    uint8 (32, 32, 3) numpy image (torchvision passes a PIL image), so
    ``transform=transforms.ToTensor()`` gives float32 (3, 32, 32) in [0, 1] as
    torchvision; ``target_transform`` gets the int label; both per sample.

    >>> from minigrad.datasets import CIFAR10
    >>> test = CIFAR10("data/cifar-10", train=False)              # doctest: +SKIP
    >>> image, label = test[0]                                    # doctest: +SKIP
    >>> image.shape, test.classes[label]                          # doctest: +SKIP
    ((3, 32, 32), 'cat')
    """

    folder = "cifar-10"
    archive = "cifar-10-binary.tar.gz"
    batches_folder = "cifar-10-batches-bin"
    mirrors: tuple[str, ...] = ("https://www.cs.toronto.edu/~kriz/",)
    # The official md5 (www.cs.toronto.edu/~kriz/cifar.html) is
    # c32a1d4ab5d03f1284b67883e8d87530; the sha256 is TensorFlow Datasets' pinned one
    # for the same 170,052,171-byte file.
    sha256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
    train_files: tuple[str, ...] = tuple(f"data_batch_{k}.bin" for k in range(1, 6))
    test_files: tuple[str, ...] = ("test_batch.bin",)
    meta_file = "batches.meta.txt"
    class_names: list[str] = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                              "horse", "ship", "truck"]

    def __init__(self, root: str | os.PathLike[str] | None = None, train: bool = True,
                 transform: Callable[[np.ndarray], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None,
                 download: bool = False) -> None:
        self.root: Path = Path(root).expanduser() if root is not None \
            else default_data_dir() / self.folder
        self.train: bool = bool(train)
        names = self.train_files if self.train else self.test_files
        folder = self._find_batches(names) or self._from_archive(names, download)
        parts = [read_cifar_bin(folder / name, len(self.class_names)) for name in names]
        images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(images, labels.astype(np.int64), self.class_names, transform,
                         target_transform)

    # ---------------------------------------------------------------- samples
    def _images(self, raw: np.ndarray) -> np.ndarray:
        """uint8 HWC (..., 32, 32, 3) -> float32 CHW (..., 3, 32, 32) in [0, 1]."""
        chw = np.moveaxis(raw, -1, -3)
        out = np.empty(chw.shape, np.float32)
        np.multiply(chw, np.float32(1 / 255), out=out)
        return out

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"CIFAR10({split}: {len(self)} images of 3x32x32, {len(self.classes)} classes)"

    # ------------------------------------------------------------------ files
    def _places(self) -> list[Path]:
        return [self.root, self.root / self.folder]

    def _find_batches(self, names: Sequence[str]) -> Path | None:
        """The folder holding all of ``names``, if any."""
        for place in self._places():
            for folder in (place / self.batches_folder, place):
                if all((folder / name).is_file() for name in names):
                    return folder
        return None

    def _from_archive(self, names: Sequence[str], download: bool) -> Path:
        archive = next((p / self.archive for p in self._places()
                        if (p / self.archive).is_file()), None)
        if archive is None:
            if not download:
                raise FileNotFoundError(self._missing_message(names))
            archive = self.download(self.root) / self.archive
        return extract_batches(archive, self.batches_folder,
                               [*self.train_files, *self.test_files], self.meta_file)

    def _missing_message(self, names: Sequence[str]) -> str:
        folders = [f for p in self._places() for f in (p / self.batches_folder, p)]
        missing = [n for n in names if not any((f / n).is_file() for f in folders)]
        return (f"CIFAR10: {', '.join(missing or names)} not found in {self.root} (nor "
                f"{self.archive}). Put {self.archive} (the binary version, not the python "
                f"one) or its extracted {self.batches_folder}/ folder in a folder and pass "
                "it as root (CIFAR10(root='path/to/folder'), or --data-dir in the demos), "
                f"set MINIGRAD_DATA to a folder with a '{self.folder}' subfolder, or pass "
                "download=True where there is network.")

    @classmethod
    def download(cls, root: str | os.PathLike[str] | None = None) -> Path:
        """Fetch ``cifar-10-binary.tar.gz`` into ``root`` (default:
        ``default_data_dir()/cifar-10``) unless it is there; returns the folder.

        >>> from minigrad.datasets import CIFAR10
        >>> CIFAR10.download("data/cifar-10")                        # doctest: +SKIP
        """
        folder = Path(root).expanduser() if root is not None \
            else default_data_dir() / cls.folder
        if (folder / cls.archive).is_file():
            return folder
        errors: list[str] = []
        for mirror in cls.mirrors:
            url = mirror + cls.archive
            try:
                _fetch(url, cls.sha256, folder, cls.archive)
                return folder
            except ImportError:
                raise
            except Exception as err:  # noqa: BLE001 - any failure: try the next mirror
                errors.append(f"  {url}: {type(err).__name__}: {err}")
        raise DownloadError(
            f"CIFAR10: could not download {cls.archive} from any mirror:\n"
            + "\n".join(errors) + "\n"
            f"Offline? Get {cls.archive} (sha256 {cls.sha256}) elsewhere, put it in "
            f"{folder} (or any folder, then pass it as root='path/to/folder', or --data-dir "
            f"path/to/folder in the demos; or set MINIGRAD_DATA to a folder with a "
            f"'{cls.folder}' subfolder).")


def extract_batches(archive: Path, batches_folder: str, names: Sequence[str],
                    meta_file: str) -> Path:
    """Extract ``batches_folder/<name>`` for each of ``names`` (and the meta file, if
    present) from the tar.gz ``archive`` into the archive's folder; returns the folder
    they are in. Only those regular files are written, each atomically (a partial file
    never takes a real one's name), so a hostile archive cannot write elsewhere."""
    dest = archive.parent / batches_folder
    wanted = {f"{batches_folder}/{n}": n for n in [*names, meta_file]}
    found: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = wanted.get(member.name.removeprefix("./"))
                if name is None or not member.isfile():
                    continue
                source = tar.extractfile(member)
                if source is None:
                    continue
                dest.mkdir(parents=True, exist_ok=True)
                partial = dest / f".{name}.partial"
                with source, open(partial, "wb") as out:
                    out.write(source.read())
                partial.replace(dest / name)
                found.add(name)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise CIFARError(f"{archive}: the archive is truncated or corrupt ({type(err).__name__}"
                         f": {err}); delete it and fetch it again") from err
    missing = [n for n in names if n not in found]
    if missing:
        raise CIFARError(f"{archive}: no {', '.join(f'{batches_folder}/{n}' for n in missing)}"
                         " in the archive; is it cifar-10-binary.tar.gz (not the python or "
                         "matlab version)?")
    return dest
