"""read_idx on small files the tests write, good and broken; errors name the file."""

import gzip

import numpy as np
import pytest
from idx_files import idx_bytes, write_idx

from minigrad.datasets import IDXError, read_idx


def test_reads_gzip_image_and_label_files(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 1], np.uint8)
    got = read_idx(write_idx(tmp_path / "i.gz", images), expected_magic=2051)
    np.testing.assert_array_equal(got, images)
    assert got.dtype == np.uint8 and got.flags.writeable
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "l.gz", labels), 2049), labels)


def test_reads_raw_files_and_other_types(tmp_path):
    arr = np.array([[1, -2], [300000, 4]], dtype=">i4")
    got = read_idx(write_idx(tmp_path / "raw-idx2-int", arr, compress=False))
    np.testing.assert_array_equal(got, arr)
    assert got.dtype == np.int32 and got.dtype.isnative


def test_empty_file_of_zero_images(tmp_path):
    got = read_idx(write_idx(tmp_path / "e.gz", np.zeros((0, 28, 28), np.uint8)), 2051)
    assert got.shape == (0, 28, 28)


def test_wrong_magic_names_the_file_and_the_expected_kind(tmp_path):
    path = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(IDXError, match=r"train-labels-idx1-ubyte\.gz: magic number 2049, "
                                       r"expected 2051 \(an image file\)"):
        read_idx(path, expected_magic=2051)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "notes.gz"
    path.write_bytes(gzip.compress(b"hello, this is text"))
    with pytest.raises(IDXError, match=r"notes\.gz: not an IDX file"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(IDXError, match="too short"):
        read_idx(path)


def test_truncated_data_names_the_file_and_the_sizes(tmp_path):
    data = idx_bytes(np.zeros((4, 28, 28), np.uint8), magic=2051)
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(data[:-100]))
    with pytest.raises(IDXError, match=r"images\.gz: truncated: shape \(4, 28, 28\) needs "
                                       r"3136 bytes of data but the file holds 3036"):
        read_idx(path, 2051)
    path.write_bytes(gzip.compress(data[:10]))
    with pytest.raises(IDXError, match=r"images\.gz: truncated header"):
        read_idx(path)


def test_extra_bytes_are_an_error(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(3, np.uint8)) + b"\x01\x02"))
    with pytest.raises(IDXError, match=r"labels\.gz: 2 unexpected bytes"):
        read_idx(path)


def test_truncated_gzip_stream_names_the_file(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(5000, dtype=np.uint8).reshape(5000 // 50,
                                                                           50) % 7))
    path = tmp_path / "cut-idx2-ubyte.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXError, match=r"cut-idx2-ubyte\.gz: the gzip stream ends early; "
                                       "the file is truncated"):
        read_idx(path)


def test_corrupt_gzip_names_the_file(tmp_path):
    packed = bytearray(gzip.compress(idx_bytes(np.zeros((10, 28, 28), np.uint8))))
    packed[-6] ^= 0xFF  # the stored CRC / length no longer match the data
    path = tmp_path / "bad-idx3-ubyte.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(IDXError, match=r"bad-idx3-ubyte\.gz: the gzip data is corrupt"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.gz"):
        read_idx(tmp_path / "nowhere.gz")


def test_idx_error_is_a_value_error():
    assert issubclass(IDXError, ValueError)
