"""mg.save / mg.load: safetensors files, exact round trips, checksums, atomic writes, no
pickling, clear errors on every bad file."""

import hashlib
import json
import math
import os
import pickle
import re
import stat
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import _atomic, nn, optim


def files_in(folder):
    return sorted(os.listdir(folder))


def values(t):
    return t.detach().numpy()


# ------------------------------------------------------------------- round trips
def test_nested_structure_round_trip(tmp_path):
    w = mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    obj = {
        "w": w,
        "d": mg.tensor(np.array([1.5, -2.0]), requires_grad=True),
        "ints": mg.tensor(np.array([1, 2, 3], dtype=np.int64)),
        "mask": mg.tensor(np.array([True, False])),
        "scalar": mg.tensor(3.25, dtype=mg.float64),
        "empty": mg.zeros(0, 4),
        "half": mg.tensor(np.array([0.5, -1], dtype=np.float16)),
        "bytes": mg.tensor(np.array([0, 255], dtype=np.uint8)),
        "param": nn.Parameter(mg.ones(2)),
        "arr": np.array([[1, 2]], dtype=np.int32),
        "big_endian": np.array([1.5, 2.5], dtype=">f8"),
        "transposed": np.arange(6.0).reshape(2, 3).T,
        "nested": {"epoch": 7, "lr": 1e-3, "name": "run-α ✓", "flag": True, "none": None,
                   "list": [1, "two", 3.0, [mg.ones(2)]], "tuple": (0.9, 0.999),
                   3: "int key", (1, 2): "tuple key", "empty": {}, "nil": [], "t0": (),
                   "big": 2 ** 100, "neg": -(3 ** 70), "minus_zero": -0.0, "no": False},
        "special": [math.inf, -math.inf],
        "npfloat": np.float64(0.25),
        "npint": np.int64(4),
        "dtypes": [mg.float32, mg.int64, mg.bool, np.dtype("float16")],
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
    }
    path = tmp_path / "ckpt.safetensors"
    mg.save(obj, path)
    back = mg.load(path)
    assert list(back) == list(obj)
    for k in ("w", "d", "ints", "mask", "scalar", "empty", "half", "bytes", "param"):
        assert type(back[k]) is type(obj[k]), k
        assert back[k].dtype == obj[k].dtype and back[k].shape == obj[k].shape, k
        np.testing.assert_array_equal(values(back[k]), values(obj[k]))
    assert back["d"].requires_grad and back["param"].requires_grad
    assert not back["w"].requires_grad
    for k in ("arr", "big_endian", "transposed"):
        assert isinstance(back[k], np.ndarray) and back[k].shape == obj[k].shape
        assert back[k].dtype.name == obj[k].dtype.name
        np.testing.assert_array_equal(back[k], obj[k])
    n = back["nested"]
    assert n == {**obj["nested"], "list": n["list"]}
    assert type(n["epoch"]) is int and n["big"] == 2 ** 100 and n["neg"] == -(3 ** 70)
    assert math.copysign(1, n["minus_zero"]) == -1 and isinstance(n["tuple"], tuple)
    assert n["list"][:3] == [1, "two", 3.0]
    np.testing.assert_array_equal(values(n["list"][3][0]), [1, 1])
    assert back["special"] == [math.inf, -math.inf]
    assert back["npfloat"] == 0.25 and back["npint"] == 4
    assert back["dtypes"] == [mg.float32, mg.int64, mg.bool, np.dtype("float16")]
    assert back["dtypes"][0] is np.float32 and isinstance(back["dtypes"][3], np.dtype)
    assert type(back["ordered"]) is OrderedDict and list(back["ordered"]) == ["b", "a"]
    assert type(back) is dict


json_scalars = (st.none() | st.booleans() | st.integers() | st.text()
                | st.floats(allow_nan=False))
structures = st.recursive(
    json_scalars,
    lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)),
    max_leaves=20)


@given(structures, hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.bool_,
                                                 np.uint8, np.float16]),
                              hnp.array_shapes(min_dims=0, min_side=0, max_side=4)))
def test_any_structure_round_trips_exactly(tmp_path_factory, structure, array):
    path = tmp_path_factory.mktemp("rt") / "c.safetensors"
    mg.save({"s": structure, "a": array, "t": mg.tensor(array)}, path)
    back = mg.load(path)
    assert back["s"] == structure and repr(back["s"]) == repr(structure)  # types too
    for got in (back["a"], values(back["t"])):
        assert got.dtype == array.dtype and got.shape == array.shape
        np.testing.assert_array_equal(got, array)


def test_nan_round_trip(tmp_path):
    mg.save({"x": math.nan, "t": mg.tensor([math.nan])}, tmp_path / "n.safetensors")
    back = mg.load(tmp_path / "n.safetensors")
    assert math.isnan(back["x"]) and np.isnan(values(back["t"])[0])


def test_a_tensor_saved_twice_comes_back_as_one(tmp_path):
    t = mg.ones(3)
    mg.save({"a": t, "b": [t], "c": mg.ones(3)}, tmp_path / "c.safetensors")
    back = mg.load(tmp_path / "c.safetensors")
    assert back["a"] is back["b"][0] and back["c"] is not back["a"]
    assert safetensors.numpy.load_file(tmp_path / "c.safetensors").keys() == {"a", "c"}


def test_loaded_tensors_do_not_alias_the_saved_ones(tmp_path):
    t = mg.ones(3)
    mg.save({"t": t}, tmp_path / "a.safetensors")
    back = mg.load(tmp_path / "a.safetensors")
    back["t"].add_(4)
    assert values(t)[0] == 1 and values(back["t"])[0] == 5


def test_user_dict_with_marker_like_keys_is_not_confused(tmp_path):
    obj = {"__tensor__": "a0", "__dict__": [1, 2], "__tuple__": "x", "__float__": "nan",
           "__metadata__": mg.ones(1), "__dtype__": "float32"}
    mg.save(obj, tmp_path / "k.safetensors")
    back = mg.load(tmp_path / "k.safetensors")
    assert {k: v for k, v in back.items() if k != "__metadata__"} == \
        {k: v for k, v in obj.items() if k != "__metadata__"}
    np.testing.assert_array_equal(values(back["__metadata__"]), [1])


def test_model_checkpoint_gives_identical_outputs(tmp_path):
    model = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Dropout(0.2), nn.Linear(10, 3))
    model.eval()
    x = mg.randn(5, 6)
    path = tmp_path / "model.safetensors"
    mg.save(model.state_dict(), path)
    mg.manual_seed(1234)
    fresh = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Dropout(0.2), nn.Linear(10, 3))
    fresh.eval()
    assert not np.array_equal(values(fresh(x)), values(model(x)))
    fresh.load_state_dict(mg.load(path))
    np.testing.assert_array_equal(values(fresh(x)), values(model(x)))
    for p in fresh.parameters():
        assert p.dtype == np.float32


def test_optimizer_state_dict_round_trip(tmp_path):
    model = nn.Linear(3, 2, dtype=mg.float64)
    opt = optim.Adam([{"params": [model.weight], "lr": 0.01}, {"params": [model.bias]}],
                     lr=0.1, betas=(0.8, 0.9), amsgrad=True)
    model(mg.randn(4, 3, dtype=mg.float64)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    mg.save(sd, tmp_path / "opt.safetensors")
    back = mg.load(tmp_path / "opt.safetensors")
    assert back["param_groups"] == sd["param_groups"]
    assert set(back["state"]) == {0, 1}
    for i in (0, 1):
        assert back["state"][i]["step"] == 1
        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_array_equal(values(back["state"][i][k]),
                                          values(sd["state"][i][k]))


# ------------------------------------------------------- a real safetensors file
def test_the_file_is_safetensors_with_tensors_named_by_their_place(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    path = tmp_path / "c.safetensors"
    mg.save({"model": model.state_dict(), "step": 5, "opt": {"state": {0: {"m": mg.ones(2)}}}},
            path)
    flat = safetensors.numpy.load_file(path)
    assert set(flat) == {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias",
                         "opt.state.0.m"}
    np.testing.assert_array_equal(flat["model.2.weight"], values(model[2].weight))
    mg.save(model.state_dict(), path)  # a state dict: exactly its own names
    assert set(safetensors.numpy.load_file(path)) == set(model.state_dict())


def test_plain_safetensors_file_loads_as_a_flat_state_dict(tmp_path):
    model = nn.Linear(3, 2)
    sd = {k: values(v) * 2 + 1 for k, v in model.state_dict().items()}
    path = tmp_path / "plain.safetensors"
    safetensors.numpy.save_file(sd, path, metadata={"format": "pt"})
    back = mg.load(path)
    assert type(back) is dict and set(back) == {"weight", "bias"}
    assert all(type(v) is mg.Tensor and not v.requires_grad for v in back.values())
    model.load_state_dict(back)
    np.testing.assert_array_equal(values(model.weight), sd["weight"])
    safetensors.numpy.save_file({"x": np.arange(3, dtype=np.int16)}, path)  # no metadata
    back = mg.load(path)
    assert back["x"].dtype == np.int16 and values(back["x"]).tolist() == [0, 1, 2]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_permissions_are_0666_minus_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        mg.save({"a": 1}, tmp_path / "c.safetensors")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "c.safetensors").st_mode) == 0o666 & ~umask


def test_any_file_name_and_pathlike(tmp_path):
    mg.save({"a": 1}, tmp_path / "weights.ckpt")
    assert files_in(tmp_path) == ["weights.ckpt"]  # no extension appended
    assert mg.load(str(tmp_path / "weights.ckpt")) == {"a": 1}


def test_overwrite_replaces_previous(tmp_path):
    path = tmp_path / "c.safetensors"
    mg.save({"v": 1}, path)
    mg.save({"v": 2}, path)
    assert mg.load(path) == {"v": 2}
    assert files_in(tmp_path) == ["c.safetensors"]


def test_unsupported_objects_are_clear_errors_and_write_nothing(tmp_path):
    path = tmp_path / "c.safetensors"
    mg.save({"v": 1}, path)
    with pytest.raises(TypeError, match=r"set at obj\['bad'\]"):
        mg.save({"bad": {1, 2}}, path)
    with pytest.raises(TypeError, match="dtype"):
        mg.save({"bad": np.array([object()])}, path)
    with pytest.raises(TypeError, match="dtype"):
        mg.save({"bad": np.array(["text"])}, path)
    with pytest.raises(TypeError, match="complex"):
        mg.save({"bad": 1j}, path)
    assert mg.load(path) == {"v": 1}
    assert files_in(tmp_path) == ["c.safetensors"]


WHOLE_MODEL_ADVICE = re.escape("mg.save(model.state_dict(), path)\n"
                               "    model.load_state_dict(mg.load(path))")


def test_whole_modules_are_refused_with_the_state_dict_recipe(tmp_path):
    path = tmp_path / "c.safetensors"
    for obj in (nn.Linear(2, 2), {"model": nn.Sequential(nn.Linear(2, 2))}):
        with pytest.raises(TypeError, match=WHOLE_MODEL_ADVICE):
            mg.save(obj, path)
    assert files_in(tmp_path) == []


def test_weights_only(tmp_path):
    path = tmp_path / "c.safetensors"
    mg.save({"w": mg.ones(2)}, path)
    assert set(mg.load(path, weights_only=True)) == {"w"}
    with pytest.raises(ValueError, match=WHOLE_MODEL_ADVICE):
        mg.load(path, weights_only=False)


# -------------------------------------------------------------------- atomicity
@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failed_save_keeps_previous_checkpoint_and_leaves_no_temp(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.safetensors"
    mg.save({"epoch": 1, "w": mg.ones(1000)}, path)
    before = path.read_bytes()
    written = []

    def failing_fsync(fd):  # the bytes reached the temporary file, then the disk failed
        written.extend(n for n in files_in(tmp_path) if n.endswith(".minigrad-tmp"))
        raise exc

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(type(exc)):
        mg.save({"epoch": 2, "w": mg.zeros(1000)}, path)
    monkeypatch.undo()
    assert len(written) == 1 and written[0].startswith(".ckpt.safetensors.")
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["ckpt.safetensors"]
    back = mg.load(path)
    assert back["epoch"] == 1 and (values(back["w"]) == 1).all()


def test_safetensors_error_on_save_is_an_os_error_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"

    def failing_save(tensors, metadata=None):
        raise safetensors.SafetensorError("Error while serializing: IoError(No space left)")

    monkeypatch.setattr(safetensors.numpy, "save", failing_save)
    with pytest.raises(OSError, match="ckpt.safetensors.*No space left"):
        mg.save({"w": mg.ones(3)}, path)
    assert files_in(tmp_path) == []


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        mg.save({"a": 1}, tmp_path / "nope" / "c.safetensors")


def test_failed_rename_leaves_no_temp(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        mg.save({"a": 1}, tmp_path / "folder")  # the target is a folder
    assert files_in(tmp_path) == ["folder"] and files_in(tmp_path / "folder") == []


def temp_name(target, host=_atomic._HOST, pid=None):
    return f".{target}.{host}-{os.getpid() if pid is None else pid}-{'ab' * 8}.minigrad-tmp"


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_gone_writers_are_removed_by_the_next_save(tmp_path):
    dead = dead_pid()
    an_hour_ago = time.time() - 3700
    gone = [temp_name("a", pid=dead),  # its process is gone
            temp_name("b.safetensors", host="0123abcd", pid=dead)]
    (tmp_path / gone[0]).write_bytes(b"half")
    (tmp_path / gone[1]).write_bytes(b"half")
    os.utime(tmp_path / gone[1], (an_hour_ago, an_hour_ago))  # nobody wrote it for an hour
    kept = [temp_name("c"),  # our own process: another thread may be writing it
            temp_name("d", host="0123abcd", pid=dead),  # another host's pid: can't tell
            ".e.0123abcd-12-abab.minigrad-tmp",  # not our pattern
            "f.minigrad-tmp", ".g.tmp", temp_name("h", pid=dead) + ".bak"]
    for name in kept:
        (tmp_path / name).write_bytes(b"someone's")
    (tmp_path / temp_name("dir", pid=dead)).mkdir()  # a folder: never ours
    kept.append(temp_name("dir", pid=dead))
    mg.save({"a": 1}, tmp_path / "new.safetensors")
    assert files_in(tmp_path) == sorted([*kept, "new.safetensors"])


def test_a_killed_writer_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    script = ("import os, signal, minigrad as mg\n"
              "from minigrad import _atomic\n"
              "_atomic.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
              f"mg.save({{'w': mg.ones(5)}}, {str(path)!r})\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=os.path.dirname(mg.__path__[0]))
    assert proc.returncode == -9
    (left,) = files_in(tmp_path)
    assert left.startswith(".ckpt.safetensors.") and left.endswith(".minigrad-tmp")
    mg.save({"w": mg.zeros(5)}, path)
    assert files_in(tmp_path) == ["ckpt.safetensors"]


def test_concurrent_writers_never_lose_a_save(tmp_path):
    """Threads of this process and another process save into one folder at once: every
    save succeeds (no writer removes another's live temporary) and the file is whole."""
    path = tmp_path / "shared.safetensors"
    script = ("import sys, minigrad as mg\n"
              "for i in range(40):\n"
              f"    mg.save({{'who': 'proc', 'i': i, 'w': mg.full((50,), i)}}, {str(path)!r})\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=os.path.dirname(mg.__path__[0]))
    errors = []

    def writer(k):
        try:
            for i in range(40):
                mg.save({"who": k, "i": i, "w": mg.full((50,), i)}, path)
                mg.save({"other": i}, tmp_path / f"own{k}.safetensors")
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert proc.wait() == 0 and errors == []
    back = mg.load(path)
    assert (values(back["w"]) == back["i"]).all()
    assert files_in(tmp_path) == ["own0.safetensors", "own1.safetensors", "own2.safetensors",
                                  "shared.safetensors"]


# --------------------------------------------------------------- no pickling ever
class _Payload:
    """Unpickling this would create the marker file: proof that code ran."""

    marker = None

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickle_files_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    _Payload.marker = marker
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"w": _Payload()}))
    with pytest.raises(ValueError, match="evil.pkl.*pickle"):
        mg.load(path)
    arr = np.empty(1, dtype=object)
    arr[0] = _Payload()
    np.savez(tmp_path / "evil.npz", a=arr)  # numpy pickles object arrays
    with pytest.raises(ValueError, match="evil.npz.*zip"):
        mg.load(tmp_path / "evil.npz")
    assert not marker.exists()


# ---------------------------------------------------------------- bad files
def small_checkpoint(path):
    mg.save({"w": mg.randn(2, 3), "b": mg.ones(2, dtype=mg.float64), "m": mg.tensor([True]),
             "epoch": 3, "opt": {"lr": 0.1, "betas": (0.9, 0.99)}}, path)
    return path.read_bytes()


def expect_damaged(path):
    with pytest.raises(ValueError) as err:
        mg.load(path)
    assert str(path) in str(err.value)
    return str(err.value)


def test_every_truncation_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    data = small_checkpoint(path)
    for n in range(len(data) - 1, -1, -1):
        os.truncate(path, n)
        expect_damaged(path)


def test_every_flipped_bit_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    data = small_checkpoint(path)
    with open(path, "r+b", buffering=0) as f:
        for i, byte in enumerate(data):
            for bit in range(8):
                f.seek(i)
                f.write(bytes([byte ^ (1 << bit)]))
                expect_damaged(path)
            f.seek(i)
            f.write(bytes([byte]))
    assert mg.load(path)["epoch"] == 3  # (the file is whole again)


def read_header(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), n, data[8 + n:]


def write_header(path, header, n, rest):
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) <= n
    path.write_bytes(struct.pack("<Q", n) + text + b" " * (n - len(text)) + rest)


@pytest.mark.parametrize("change", ["dtype", "shape", "offsets"])
def test_swaps_that_safetensors_accepts_are_caught_by_the_checksum(tmp_path, change):
    path = tmp_path / "ckpt.safetensors"
    mg.save({"a": mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
             "b": mg.tensor(np.arange(6, 12, dtype=np.float32).reshape(2, 3))}, path)
    header, n, rest = read_header(path)
    if change == "dtype":
        header["a"]["dtype"] = "I32"
    elif change == "shape":
        header["a"]["shape"] = [3, 2]
    else:
        header["a"]["data_offsets"], header["b"]["data_offsets"] = \
            header["b"]["data_offsets"], header["a"]["data_offsets"]
    write_header(path, header, n, rest)
    safetensors.numpy.load_file(path)  # safetensors itself sees nothing wrong
    assert "checksum" in expect_damaged(path)


def write_raw(path, header_bytes, rest=b"", length=None):
    n = len(header_bytes) if length is None else length
    path.write_bytes(struct.pack("<Q", n) + header_bytes + rest)


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def write_minigrad(path, structure, arrays=None, version="1"):
    """A crafted file whose checksums are right (the format, written out independently)."""
    arrays = arrays or {}
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = arrays[name]
        h.update(json.dumps([name, a.dtype.name, list(a.shape)]).encode() + b"\n")
        h.update(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes())
    safetensors.numpy.save_file(arrays, path, metadata={
        "minigrad_version": version, "minigrad_structure": structure,
        "minigrad_structure_sha256": sha256(f"{version}\n{structure}".encode()),
        "minigrad_tensors_sha256": h.hexdigest()})


def test_the_crafting_helper_writes_what_save_writes(tmp_path):
    write_minigrad(tmp_path / "c", '{"__dict__": [["t", {"__tensor__": "t", '
                   '"requires_grad": true}]]}', {"t": np.ones(2)})
    back = mg.load(tmp_path / "c")
    assert back["t"].requires_grad and values(back["t"]).tolist() == [1, 1]


@pytest.mark.parametrize("structure", [
    "[" * 100_000 + "]" * 100_000,  # deeper than any parser's recursion
    "[" * 5_000 + "]" * 5_000,
    '{"__dict__": [[[1], 2]]}',  # a list as a dict key
    '{"__dict__": 5}', '{"__dict__": [[1, 2, 3]]}', '{"__tuple__": 1}',
    '{"__what__": 1}', '{"__float__": "1e5"}', '{"__dtype__": "object"}',
    '{"__np_dtype__": "<U3"}', '{"__dtype__": 7}',
    '{"__tensor__": "missing", "requires_grad": false}',
    '{"__tensor__": "i", "requires_grad": true}',  # an int tensor can't require grad
    '{"__tensor__": "f"}', '{"__tensor__": "f", "requires_grad": false, "x": 1}',
    '{"__ndarray__": ["f"]}', "{not json", "",
])
def test_crafted_structures_are_value_errors(tmp_path, structure):
    path = tmp_path / "crafted.safetensors"
    write_minigrad(path, structure, {"f": np.ones(2), "i": np.arange(2)})
    expect_damaged(path)


@pytest.mark.parametrize("metadata", [
    {"minigrad_version": "1"},
    {"minigrad_structure": "1", "minigrad_version": "1"},
    {"minigrad_version": "x", "minigrad_structure": "1"},
    {"minigrad_version": "1" * 5000},
    {"minigrad_structure_sha256": "0" * 64},
])
def test_damaged_minigrad_metadata_is_refused_not_read_as_plain(tmp_path, metadata):
    path = tmp_path / "meta.safetensors"
    safetensors.numpy.save_file({"w": np.ones(2)}, path, metadata=metadata)
    expect_damaged(path)


def test_newer_format_version_is_a_clear_error(tmp_path):
    path = tmp_path / "future.safetensors"
    write_minigrad(path, "1", version="2")
    assert "newer minigrad" in expect_damaged(path)


@pytest.mark.parametrize("raw", [
    struct.pack("<Q", 2 ** 62) + b"{}",  # a header length far beyond the file
    struct.pack("<Q", 50_000_000) + b"{" + b" " * 100,
    struct.pack("<Q", 200_000_000) + b"{}",  # beyond safetensors' 100 MB header limit
])
def test_huge_header_lengths_are_value_errors(tmp_path, raw):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(raw)
    expect_damaged(path)


@pytest.mark.parametrize("header", [
    b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"a":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}',
    b'{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}',
    b'{"a":{"dtype":"Q99","shape":[1],"data_offsets":[0,4]}}',
    b'{"__metadata__":{"minigrad_version":1}}',
    b'{"__metadata__":[1]}',
    b"[]", b"\xff\xfe", b"",
])
def test_crafted_safetensors_headers_are_value_errors(tmp_path, header):
    path = tmp_path / "crafted.safetensors"
    write_raw(path, header + b" " * (-len(header) % 8), b"\0" * 4)
    expect_damaged(path)


@pytest.mark.parametrize("payload", [np.random.default_rng(0).bytes(500), b"", b"hello\n",
                                     b"PK\x03\x04" + bytes(100), bytes(8), bytes(100)])
def test_random_bytes_are_value_error(tmp_path, payload):
    path = tmp_path / "junk.bin"
    path.write_bytes(payload)
    expect_damaged(path)


def test_old_npz_and_numpy_files_are_value_errors(tmp_path):
    np.savez(tmp_path / "old.npz", w=np.ones(3))
    assert "zip" in expect_damaged(tmp_path / "old.npz")
    np.save(tmp_path / "plain.npy", np.ones(3))
    expect_damaged(tmp_path / "plain.npy")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "nope.safetensors")
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        mg.load(tmp_path)


# ------------------------------------------------------------ torch round trip
def twin_models():
    """The same MLP in minigrad and in torch (same layer names)."""
    import torch

    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    twin = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    return model, twin


@pytest.mark.needs_torch
def test_minigrad_weights_load_into_torch(tmp_path):
    import safetensors.torch
    import torch

    model, twin = twin_models()
    path = tmp_path / "model.safetensors"
    mg.save(model.state_dict(), path)
    twin.load_state_dict(safetensors.torch.load_file(path))
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(values(model(mg.tensor(x))), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.needs_torch
def test_torch_weights_load_into_minigrad(tmp_path):
    import safetensors.torch
    import torch

    model, twin = twin_models()
    path = tmp_path / "model.safetensors"
    safetensors.torch.save_file(twin.state_dict(), path)
    model.load_state_dict(mg.load(path))
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(values(model(mg.tensor(x))), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.needs_torch
def test_torch_dtype_numpy_lacks_is_a_value_error(tmp_path):
    import safetensors.torch
    import torch

    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, path)
    assert "'w'" in expect_damaged(path)
