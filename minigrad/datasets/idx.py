"""Reading IDX files (the MNIST format), gzip-compressed or raw, with numpy.

Layout: two zero bytes, a type code, the number of dims ``d``; then ``d`` big-endian
int32 sizes; then the values, row-major, big-endian. MNIST images are type 0x08
(uint8) with 3 dims (magic 2051 = 0x00000803), labels uint8 with 1 dim (2049).
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

__all__ = ["IDXError", "read_idx", "IMAGES_MAGIC", "LABELS_MAGIC"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IDXError(ValueError):
    """A file that is not a valid IDX file (corrupt, truncated, wrong kind); the message
    names the file."""


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":  # not gzip: a raw (already decompressed) IDX file
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError as err:
        raise IDXError(f"{path}: the gzip stream ends early; the file is truncated "
                       "(an interrupted download?). Delete it and fetch it again.") from err
    except (OSError, zlib.error) as err:
        raise IDXError(f"{path}: the gzip data is corrupt ({err}). Delete the file and "
                       "fetch it again.") from err


def read_idx(path: str | os.PathLike[str], expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into a native-endian numpy array.

    ``expected_magic`` (e.g. 2051 for images, 2049 for labels) is checked against the
    file's first four bytes. Truncated, oversized, corrupt or wrong-kind files raise
    :class:`IDXError` naming the file.

    >>> import gzip, os, tempfile, numpy as np
    >>> from minigrad.datasets.idx import read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> header = (2049).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(header + bytes([7, 0, 9]))
    >>> read_idx(path, expected_magic=2049)
    array([7, 0, 9], dtype=uint8)
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: only {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if raw[:2] != b"\0\0" or raw[2] not in _TYPES:
        raise IDXError(f"{path}: not an IDX file (first bytes {raw[:4].hex()}; an IDX file "
                       "starts with 0000 then a type code such as 08)")
    if expected_magic is not None and magic != expected_magic:
        kinds = {IMAGES_MAGIC: "an image file", LABELS_MAGIC: "a label file"}
        raise IDXError(f"{path}: magic number {magic}, expected {expected_magic} "
                       f"({kinds.get(expected_magic, 'another kind of IDX file')}); "
                       "is it the wrong file?")
    ndim, dtype = raw[3], _TYPES[raw[2]]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise IDXError(f"{path}: truncated header ({len(raw)} bytes, {ndim} dims need "
                       f"{start})")
    shape = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - start
    if found < expected:
        raise IDXError(f"{path}: truncated: shape {shape} needs {expected} bytes of data "
                       f"but the file holds {found}")
    if found > expected:
        raise IDXError(f"{path}: {found - expected} unexpected bytes after the data for "
                       f"shape {shape}; the file is corrupt")
    arr = np.frombuffer(raw, dtype=dtype, offset=start).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # native order, writable, own memory
