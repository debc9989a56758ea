"""CIFAR-10 on small files written in the real binary format (a tiny
cifar-10-binary.tar.gz built here); download logic with a fake fetcher. Nothing here
touches the network."""


import numpy as np
import pytest
from cifar_files import SIZES, fake_batch, fake_files, record_bytes, write_archive, write_folder
from fake_fetch import FakeFetcher

import minigrad as mg
from minigrad.data import DataLoader, random_split
from minigrad.datasets import CIFAR10, CIFARError, DownloadError
from minigrad.datasets import cifar as cifar_module
from minigrad.transforms import ToTensor


@pytest.fixture
def files():
    return fake_files()


def expected(files, train):
    names = [n for n in SIZES if (n != "test_batch.bin") == train]
    images = np.concatenate([files[n][1] for n in names])
    labels = np.concatenate([files[n][2] for n in names])
    return images, labels


@pytest.mark.parametrize("train", [True, False])
def test_reads_the_archive_in_the_real_format(tmp_path, files, train):
    write_archive(tmp_path / "cifar-10-binary.tar.gz", files)
    ds = CIFAR10(tmp_path, train=train)
    images, labels = expected(files, train)
    assert len(ds) == len(labels) == (12 if train else 5)
    # .data is channels last, as torchvision's; the samples channels first
    np.testing.assert_array_equal(ds.data, images.transpose(0, 2, 3, 1))
    assert ds.data.dtype == np.uint8 and ds.data.shape[1:] == (32, 32, 3)
    np.testing.assert_array_equal(ds.targets, labels)
    assert ds.targets.dtype == np.int64
    image, label = ds[2]
    assert isinstance(image, mg.Tensor) and image.shape == (3, 32, 32)
    assert image.dtype == np.float32 and isinstance(label, int) and label == labels[2]
    np.testing.assert_allclose(image.numpy(), images[2] / 255, rtol=1e-6)
    # the red plane comes first in a record: pixel (0, 0)'s red is the byte after the label
    first = files["data_batch_1.bin" if train else "test_batch.bin"][0]
    assert ds.data[0, 0, 0, 0] == first[1] and ds.data[0, 0, 0, 2] == first[1 + 2048]
    assert ds.classes == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                          "horse", "ship", "truck"]
    assert ds.class_to_idx["truck"] == 9
    assert repr(ds) == f"CIFAR10({'train' if train else 'test'}: {len(ds)} images of " \
                       "3x32x32, 10 classes)"
    # extracted once, next to the archive: the next load reads the folder
    assert (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").is_file()
    (tmp_path / "cifar-10-binary.tar.gz").unlink()
    np.testing.assert_array_equal(CIFAR10(tmp_path, train=train).data, ds.data)


@pytest.mark.parametrize("layout", ["batches folder", "root is the batches folder",
                                    "subfolder archive"])
def test_other_layouts(tmp_path, files, layout):
    if layout == "batches folder":
        write_folder(tmp_path / "cifar-10-batches-bin", files)
    elif layout == "root is the batches folder":
        tmp_path = write_folder(tmp_path / "cifar-10-batches-bin", files)
    else:
        write_archive(tmp_path / "cifar-10" / "cifar-10-binary.tar.gz", files)
    assert len(CIFAR10(tmp_path)) == 12 and len(CIFAR10(tmp_path, train=False)) == 5


def test_default_root_is_minigrad_data(tmp_path, files, monkeypatch):
    write_archive(tmp_path / "cifar-10" / "cifar-10-binary.tar.gz", files)
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    ds = CIFAR10(train=False)
    assert len(ds) == 5 and ds.root == tmp_path / "cifar-10"


def test_dataloader_batches_channels_first_with_one_fancy_index(tmp_path, files, monkeypatch):
    write_archive(tmp_path / "cifar-10-binary.tar.gz", files)
    ds = CIFAR10(tmp_path)
    monkeypatch.setattr(CIFAR10, "__getitem__", lambda self, i: pytest.fail("per sample"))
    batches = list(DataLoader(ds, batch_size=5, shuffle=True, seed=0))
    assert [tuple(x.shape) for x, _ in batches] == [(5, 3, 32, 32), (5, 3, 32, 32),
                                                    (2, 3, 32, 32)]
    x, y = batches[0]
    assert x.dtype == np.float32 and y.dtype == np.int64
    images, labels = expected(files, True)
    for img, label in zip(x.numpy(), y.numpy()):
        k = int(np.flatnonzero((images == np.round(img * 255)).all(axis=(1, 2, 3)))[0])
        assert labels[k] == label
    flat, targets = ds.as_arrays(flatten=True)
    assert flat.shape == (12, 3072) and flat.flags.c_contiguous
    np.testing.assert_allclose(flat, images.reshape(12, -1) / 255, rtol=1e-6)


def test_transforms_are_applied_per_sample_also_in_batches(tmp_path, files):
    write_archive(tmp_path / "cifar-10-binary.tar.gz", files)
    seen = []

    def flip(image):  # gets the stored uint8 HWC image, as torchvision's gets a PIL one
        seen.append((image.shape, image.dtype))
        return ToTensor()(image[:, ::-1])

    ds = CIFAR10(tmp_path, train=False, transform=flip, target_transform=lambda y: 9 - y)
    plain = CIFAR10(tmp_path, train=False)
    assert ds.get_batch is None and plain.get_batch is not None
    image, label = ds[1]
    assert seen == [((32, 32, 3), np.uint8)] and label == 9 - plain[1][1]
    np.testing.assert_allclose(image.numpy(), plain[1][0].numpy()[:, :, ::-1], rtol=1e-6)
    x, y = next(iter(DataLoader(random_split(ds, [3, 2], seed=0)[0], batch_size=3)))
    assert x.shape == (3, 3, 32, 32) and len(seen) == 4
    assert set(y.numpy().tolist()) <= set((9 - plain.targets).tolist())


def test_to_tensor_gives_torchvisions_samples(tmp_path, files):
    write_archive(tmp_path / "cifar-10-binary.tar.gz", files)
    ds = CIFAR10(tmp_path, False, ToTensor())  # torchvision's argument order
    image, label = ds[2]
    assert image.shape == (3, 32, 32) and image.dtype == np.float32
    np.testing.assert_array_equal(image.numpy(),
                                  ds.data[2].transpose(2, 0, 1).astype(np.float32) / 255)
    assert label == ds.targets[2]


# ------------------------------------------------------------------ integrity errors
def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        CIFAR10(tmp_path / "empty", train=False)
    message = str(info.value)
    assert "test_batch.bin not found in" in message and str(tmp_path / "empty") in message
    assert "cifar-10-binary.tar.gz" in message and "root='path/to/folder'" in message
    assert "--data-dir" in message and "MINIGRAD_DATA" in message
    assert "download=True" in message


def test_a_missing_batch_is_named(tmp_path, files):
    folder = write_folder(tmp_path / "cifar-10-batches-bin", files)
    (folder / "data_batch_4.bin").unlink()
    with pytest.raises(FileNotFoundError, match=r"CIFAR10: data_batch_4\.bin not found"):
        CIFAR10(tmp_path)
    assert len(CIFAR10(tmp_path, train=False)) == 5  # the test split is complete


def test_truncated_batch_is_named(tmp_path, files):
    folder = write_folder(tmp_path / "cifar-10-batches-bin", files)
    data = (folder / "data_batch_3.bin").read_bytes()
    (folder / "data_batch_3.bin").write_bytes(data[:-100])
    with pytest.raises(CIFARError, match=r"data_batch_3\.bin: 12192 bytes is not a whole "
                                         r"number of 3073-byte records \(3 records and 2973"):
        CIFAR10(tmp_path)
    (folder / "test_batch.bin").write_bytes(b"")
    with pytest.raises(CIFARError, match=r"test_batch\.bin: 0 bytes"):
        CIFAR10(tmp_path, train=False)


def test_label_out_of_range_is_named(tmp_path, files):
    folder = write_folder(tmp_path / "cifar-10-batches-bin", files)
    images, labels = fake_batch(3, 0)
    labels[1] = 10
    (folder / "test_batch.bin").write_bytes(record_bytes(images, labels))
    with pytest.raises(CIFARError, match=r"test_batch\.bin: record 1 has label 10, out of "
                                         "range for 10 classes"):
        CIFAR10(tmp_path, train=False)


def test_truncated_archive_is_named(tmp_path, files):
    path = write_archive(tmp_path / "cifar-10-binary.tar.gz", files)
    packed = path.read_bytes()
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(CIFARError, match=r"cifar-10-binary\.tar\.gz: the archive is "
                                         "truncated or corrupt"):
        CIFAR10(tmp_path)
    path.write_bytes(b"not a gzip file at all")
    with pytest.raises(CIFARError, match="truncated or corrupt"):
        CIFAR10(tmp_path)


def test_archive_without_the_binary_batches_is_named(tmp_path, files):
    write_archive(tmp_path / "cifar-10-binary.tar.gz", files, skip={"test_batch.bin"})
    with pytest.raises(CIFARError, match=r"no cifar-10-batches-bin/test_batch\.bin in the "
                                         r"archive; is it cifar-10-binary\.tar\.gz"):
        CIFAR10(tmp_path, train=False)


def test_extraction_writes_only_the_expected_files(tmp_path, files):
    """A member outside the batches folder (a path-traversal attempt) is not written."""
    evil = [("../evil.txt", b"x"), ("cifar-10-batches-bin/../../evil2.txt", b"x"),
            ("cifar-10-batches-bin/readme.html", b"<html>")]
    write_archive(tmp_path / "a" / "cifar-10-binary.tar.gz", files, extra=evil)
    assert len(CIFAR10(tmp_path / "a", train=False)) == 5
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    assert written == ["a/cifar-10-batches-bin/batches.meta.txt",
                       *[f"a/cifar-10-batches-bin/{n}" for n in sorted(SIZES)],
                       "a/cifar-10-binary.tar.gz"]


# ------------------------------------------------------------------ download (faked)



def test_download_fetches_the_archive_once(tmp_path, files, monkeypatch):
    write_archive(tmp_path / "source" / "cifar-10-binary.tar.gz", files)
    fetch = FakeFetcher(tmp_path / "source", sha256=CIFAR10.sha256)
    monkeypatch.setattr(cifar_module, "_fetch", fetch)
    ds = CIFAR10(tmp_path / "cache", train=False, download=True)
    assert len(ds) == 5
    assert fetch.urls == ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]
    assert len(CIFAR10(tmp_path / "cache", download=True)) == 12
    assert len(fetch.urls) == 1  # the archive (and its extracted folder) is reused


def test_offline_error_says_where_to_put_the_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(cifar_module, "_fetch", FakeFetcher(tmp_path, down=("http",)))
    with pytest.raises(DownloadError) as info:
        CIFAR10(tmp_path / "cache", download=True)
    message = str(info.value)
    assert "could not download cifar-10-binary.tar.gz from any mirror" in message
    assert "cifar-10-binary.tar.gz: ConnectionError: host unreachable" in message
    assert CIFAR10.sha256 in message and str(tmp_path / "cache") in message
    assert "root=" in message and "--data-dir" in message and "MINIGRAD_DATA" in message


def test_download_without_pooch_says_how_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pooch", None)
    with pytest.raises(ImportError, match=r"pip install pooch tqdm"):
        CIFAR10(tmp_path / "cache", download=True)


def test_pinned_hash_is_well_formed():
    assert len(CIFAR10.sha256) == 64 and int(CIFAR10.sha256, 16) >= 0
    assert CIFAR10.sha256.startswith("c4a38c50")
