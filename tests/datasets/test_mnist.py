"""MNIST / FashionMNIST on small self-written files; download logic with a fake fetcher.

Nothing here touches the network. Set MINIGRAD_SHARED_DATA to a folder holding
``mnist/`` and ``fashion-mnist/`` (the original files) to check the real files too.
"""

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from fake_fetch import FakeFetcher
from idx_files import fake_split, write_idx, write_mnist_folder

import minigrad as mg
from minigrad.data import DataLoader
from minigrad.datasets import MNIST, DatasetMismatchError, DownloadError, FashionMNIST, IDXError
from minigrad.datasets import mnist as mnist_module


def test_reads_the_four_files(mnist_folder):
    folder, arrays = mnist_folder
    train, test = MNIST(folder, verify=False), MNIST(folder, train=False, verify=False)
    assert len(train) == 12 and len(test) == 5
    images, labels = arrays["train"]
    np.testing.assert_array_equal(train.data, images)
    assert train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.targets, labels)
    assert train.targets.dtype == np.int64
    image, label = train[3]
    assert isinstance(image, mg.Tensor) and image.shape == (28, 28)
    assert image.dtype == np.float32 and isinstance(label, int) and label == labels[3]
    np.testing.assert_allclose(image.numpy(), images[3] / 255, rtol=1e-6)
    assert train.classes[0] == "0 - zero" and len(train.classes) == 10
    assert train.class_to_idx["9 - nine"] == 9
    assert repr(test) == "MNIST(5 images of 28x28, 10 classes)"


def test_pixels_span_zero_to_one(tmp_path):
    folder = tmp_path / "f"
    write_mnist_folder(folder)
    images = np.zeros((2, 28, 28), np.uint8)
    images[1] = 255
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([0, 1], np.uint8))
    ds = MNIST(folder, train=False, verify=False)
    assert ds[0][0].numpy().max() == 0.0 and ds[1][0].numpy().min() == 1.0


def test_fashion_mnist_class_names(mnist_folder):
    ds = FashionMNIST(mnist_folder[0], train=False, verify=False)
    assert ds.classes == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                          "Shirt", "Sneaker", "Bag", "Ankle boot"]
    assert repr(ds).startswith("FashionMNIST(5 images")


def test_dataloader_batches_with_one_fancy_index(mnist_folder, monkeypatch):
    ds = MNIST(mnist_folder[0], verify=False)
    monkeypatch.setattr(MNIST, "__getitem__", lambda self, i: pytest.fail("per-sample read"))
    batches = list(DataLoader(ds, batch_size=5, shuffle=True, seed=0))
    assert [tuple(x.shape) for x, _ in batches] == [(5, 28, 28), (5, 28, 28), (2, 28, 28)]
    x, y = batches[0]
    assert x.dtype == np.float32 and y.dtype == np.int64
    for img, label in zip(x.numpy(), y.numpy()):
        k = int(np.flatnonzero((ds.data == np.round(img * 255)).all(axis=(1, 2)))[0])
        assert ds.targets[k] == label
    flat, labels = ds.as_arrays(flatten=True)
    assert flat.shape == (12, 784) and flat.dtype == np.float32 and flat.max() <= 1


@pytest.mark.parametrize("layout", ["subfolder", "torchvision", "uncompressed"])
def test_other_folder_layouts(tmp_path, layout):
    if layout == "subfolder":
        write_mnist_folder(tmp_path / "fashion-mnist")
    elif layout == "torchvision":
        write_mnist_folder(tmp_path / "FashionMNIST" / "raw")
    else:
        write_mnist_folder(tmp_path, compress=False)
    assert len(FashionMNIST(tmp_path, verify=False)) == 12


def test_default_root_is_minigrad_data(tmp_path, monkeypatch):
    write_mnist_folder(tmp_path / "mnist")
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    ds = MNIST(train=False, verify=False)
    assert len(ds) == 5 and ds.root == tmp_path / "mnist"


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        FashionMNIST(tmp_path / "empty")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz not found in" in message
    assert str(tmp_path / "empty") in message
    assert "root='path/to/folder'" in message and "--data-dir" in message
    assert "MINIGRAD_DATA" in message and "download=True" in message
    assert "t10k-labels-idx1-ubyte.gz" in message  # the four files are listed


def test_counts_that_disagree_name_both_files(mnist_folder):
    folder, _ = mnist_folder
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(IDXError, match=r"train-images-idx3-ubyte\.gz holds 12 images but "
                                       r".*train-labels-idx1-ubyte\.gz holds 11 labels"):
        MNIST(folder, verify=False)


def test_swapped_files_are_caught_by_the_magic_number(mnist_folder):
    folder, _ = mnist_folder
    labels = (folder / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(labels)
    with pytest.raises(IDXError, match=r"t10k-images-idx3-ubyte\.gz: magic number 2049, "
                                       "expected 2051"):
        MNIST(folder, train=False, verify=False)


def test_wrong_image_size_and_bad_labels(mnist_folder):
    folder, _ = mnist_folder
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((5, 8, 8), np.uint8))
    with pytest.raises(IDXError, match=r"t10k-images.*shape \(5, 8, 8\), expected \(N, 28, "):
        MNIST(folder, train=False, verify=False)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(12, 10, np.uint8))
    with pytest.raises(IDXError, match=r"train-labels-idx1-ubyte\.gz: label 10 is out of"):
        MNIST(folder, verify=False)


def test_truncated_file_is_named(mnist_folder):
    folder, _ = mnist_folder
    path = folder / "train-images-idx3-ubyte.gz"
    packed = path.read_bytes()
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXError, match=r"train-images-idx3-ubyte\.gz: the gzip stream ends"):
        MNIST(folder, verify=False)


# ------------------------------------------------------------------ download (faked)



def test_download_falls_back_to_the_next_mirror(tmp_path, mnist_folder, monkeypatch):
    fetch = FakeFetcher(mnist_folder[0], down=MNIST.mirrors[:1])
    monkeypatch.setattr(mnist_module, "_fetch", fetch)
    ds = MNIST(tmp_path / "cache", train=False, download=True, verify=False)
    assert len(ds) == 5
    names = list(MNIST.sha256)
    assert fetch.urls == [m + n for n in names for m in MNIST.mirrors]
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(names)


def test_download_skips_files_already_there(mnist_folder, monkeypatch):
    fetch = FakeFetcher(mnist_folder[0])
    monkeypatch.setattr(mnist_module, "_fetch", fetch)
    assert len(MNIST(mnist_folder[0], download=True, verify=False)) == 12
    assert fetch.urls == []


def test_download_into_the_default_cache(tmp_path, mnist_folder, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(mnist_module, "_fetch", FakeFetcher(mnist_folder[0]))
    assert FashionMNIST.download() == tmp_path / "data" / "fashion-mnist"
    assert len(FashionMNIST(train=False, verify=False)) == 5


def test_offline_error_lists_mirrors_and_says_where_to_put_files(tmp_path, monkeypatch):
    fetch = FakeFetcher(tmp_path, down=("http",))
    monkeypatch.setattr(mnist_module, "_fetch", fetch)
    with pytest.raises(DownloadError) as info:
        MNIST(tmp_path / "cache", download=True)
    message = str(info.value)
    assert "could not download train-images-idx3-ubyte.gz from any mirror" in message
    for mirror in MNIST.mirrors:
        assert f"{mirror}train-images-idx3-ubyte.gz: ConnectionError: host unreachable" in \
            message
    assert str(tmp_path / "cache") in message
    assert "root=" in message and "--data-dir" in message and "MINIGRAD_DATA" in message
    assert isinstance(info.value, OSError)
    assert not (tmp_path / "cache" / "train-images-idx3-ubyte.gz").exists()


def test_download_without_pooch_says_how_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pooch", None)  # makes `import pooch` fail
    with pytest.raises(ImportError, match=r"pip install pooch tqdm.*pip install "
                                          r"minigrad\[demos\]"):
        MNIST(tmp_path / "cache", download=True)


def test_pinned_hashes_are_well_formed():
    for cls in (MNIST, FashionMNIST):
        assert len(cls.sha256) == 4
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in cls.sha256.values())
    assert MNIST.sha256["t10k-labels-idx1-ubyte.gz"].startswith("f7ae60f9")
    assert FashionMNIST.sha256["t10k-labels-idx1-ubyte.gz"].startswith("67da17c7")


# --------------------------------------------------- the real files, when pointed at them
# Published label counts (shared/data/README.md): MNIST test per digit; Fashion 1000 each.
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FAKE_COUNTS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]


def _shared_or_fake(tmp_path, name):
    """The real files if MINIGRAD_SHARED_DATA is set, else fake ones with FAKE_COUNTS."""
    shared = os.environ.get("MINIGRAD_SHARED_DATA")
    if shared:
        return Path(shared) / name, True
    folder = tmp_path / name
    folder.mkdir()
    images, labels = fake_split(sum(FAKE_COUNTS), 5, counts=FAKE_COUNTS)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return folder, False


def test_test_split_label_counts(tmp_path):
    folder, real = _shared_or_fake(tmp_path, "mnist")
    ds = MNIST(folder, train=False, verify=real)
    expected = MNIST_TEST_COUNTS if real else FAKE_COUNTS
    assert np.bincount(ds.targets, minlength=10).tolist() == expected
    if real:
        assert ds.data.mean() == pytest.approx(33.79, abs=0.01)
        fashion = FashionMNIST(Path(os.environ["MINIGRAD_SHARED_DATA"]) / "fashion-mnist",
                               train=False)
        assert np.bincount(fashion.targets).tolist() == [1000] * 10
        assert fashion.data.mean() == pytest.approx(73.15, abs=0.01)
        for cls, sub in ((MNIST, "mnist"), (FashionMNIST, "fashion-mnist")):
            for fname, sha in cls.sha256.items():
                data = (Path(os.environ["MINIGRAD_SHARED_DATA"]) / sub / fname).read_bytes()
                assert hashlib.sha256(data).hexdigest() == sha, fname
    else:
        with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
            assert len(f.read()) == 8 + sum(FAKE_COUNTS)


# ------------------------------------------------------------- local files are verified
def _register_as(cls, folder, monkeypatch):
    """Make the fake files in ``folder`` count as ``cls``'s originals (their sha256)."""
    for path in folder.iterdir():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        table = cls.sha256 if path.suffix == ".gz" else cls.sha256_idx
        monkeypatch.setitem(table, path.name, digest)


def test_local_files_are_checked_against_the_known_hashes(mnist_folder):
    with pytest.raises(DatasetMismatchError, match=r"MNIST: .*t10k-images-idx3-ubyte\.gz "
                                                   r"is not the original .*verify=False"):
        MNIST(mnist_folder[0], train=False)


@pytest.mark.parametrize("compress", [True, False])
def test_another_datasets_files_are_named(tmp_path, monkeypatch, compress):
    write_mnist_folder(tmp_path, compress=compress)
    _register_as(MNIST, tmp_path, monkeypatch)
    assert len(MNIST(tmp_path, train=False)) == 5  # the originals pass
    with pytest.raises(DatasetMismatchError, match=r"FashionMNIST: .*t10k-images-idx3-ubyte"
                                                   r"(\.gz)? is MNIST's .*these are the MNIST "
                                                   r"files"):
        FashionMNIST(tmp_path, train=False)


def test_mixed_up_files_of_one_dataset_are_named(mnist_folder, monkeypatch):
    folder, _ = mnist_folder
    _register_as(MNIST, folder, monkeypatch)
    test_images = folder / "t10k-images-idx3-ubyte.gz"
    (folder / "train-images-idx3-ubyte.gz").write_bytes(test_images.read_bytes())
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(
        (folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(DatasetMismatchError, match=r"train-images-idx3-ubyte\.gz is MNIST's "
                                                   r"t10k-images-idx3-ubyte\.gz.*mixed up"):
        MNIST(folder)


def test_real_files_verify_and_a_swap_is_named():
    shared = os.environ.get("MINIGRAD_SHARED_DATA")
    if not shared:
        pytest.skip("set MINIGRAD_SHARED_DATA to a folder with mnist/ and fashion-mnist/")
    assert len(FashionMNIST(Path(shared) / "fashion-mnist", train=False)) == 10000
    with pytest.raises(DatasetMismatchError, match="is MNIST's"):
        FashionMNIST(Path(shared) / "mnist", train=False)
