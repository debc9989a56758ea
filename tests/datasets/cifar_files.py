"""Small CIFAR-10 files in the real binary format, for the dataset's and the demo's tests."""

import io
import tarfile

import numpy as np

SIZES = {"data_batch_1.bin": 3, "data_batch_2.bin": 2, "data_batch_3.bin": 4,
         "data_batch_4.bin": 1, "data_batch_5.bin": 2, "test_batch.bin": 5}
META = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"


def fake_batch(n, seed):
    """``n`` random images (N, 3, 32, 32) as stored (channels first) and labels."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), \
        rng.integers(0, 10, n, dtype=np.uint8)


def record_bytes(images, labels):
    """The binary format: per image one label byte, then the R, G and B planes."""
    return b"".join(bytes([int(y)]) + x.tobytes() for x, y in zip(images, labels))


def fake_files():
    """File name -> (bytes, images CHW, labels) for the six batches."""
    out = {}
    for seed, (name, n) in enumerate(SIZES.items()):
        images, labels = fake_batch(n, seed)
        out[name] = (record_bytes(images, labels), images, labels)
    return out


def write_archive(path, files, skip=(), extra=()):
    """A cifar-10-binary.tar.gz with the layout of the real one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        members = [(f"cifar-10-batches-bin/{n}", b) for n, (b, _, _) in files.items()
                   if n not in skip]
        members += [("cifar-10-batches-bin/batches.meta.txt", META.encode()), *extra]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def write_folder(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, _, _) in files.items():
        (folder / name).write_bytes(data)
    (folder / "batches.meta.txt").write_text(META)
    return folder
