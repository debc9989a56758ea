"""mg.save / mg.load: round trips, atomic writes, no pickling, clear errors on bad files."""

import io
import json
import math
import os
import pickle
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


def files_in(folder):
    return sorted(os.listdir(folder))


# ------------------------------------------------------------------- round trips
def test_nested_structure_round_trip(tmp_path):
    obj = {
        "w": mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "d": mg.tensor(np.array([1.5, -2.0]), requires_grad=True),
        "ints": mg.tensor(np.array([1, 2, 3], dtype=np.int64)),
        "mask": mg.tensor(np.array([True, False])),
        "scalar": mg.tensor(3.25, dtype=mg.float64),
        "empty": mg.zeros(0, 4),
        "arr": np.array([[1, 2]], dtype=np.int32),
        "nested": {"epoch": 7, "lr": 1e-3, "name": "run-α", "flag": True, "none": None,
                   "list": [1, "two", 3.0, [mg.ones(2)]], "tuple": (0.9, 0.999),
                   3: "int key", (1, 2): "tuple key"},
        "special": [math.inf, -math.inf],
        "npfloat": np.float64(0.25),
        "npint": np.int64(4),
    }
    path = tmp_path / "ckpt.npz"
    mg.save(obj, path)
    back = mg.load(path)
    assert set(back) == set(obj)
    for k in ("w", "d", "ints", "mask", "scalar", "empty"):
        assert isinstance(back[k], mg.Tensor)
        assert back[k].dtype == obj[k].dtype and back[k].shape == obj[k].shape
        np.testing.assert_array_equal(back[k].array, obj[k].array)
    assert back["d"].requires_grad and not back["w"].requires_grad
    assert isinstance(back["arr"], np.ndarray) and back["arr"].dtype == np.int32
    np.testing.assert_array_equal(back["arr"], obj["arr"])
    n = back["nested"]
    assert n["epoch"] == 7 and type(n["epoch"]) is int
    assert n["lr"] == 1e-3 and n["name"] == "run-α" and n["flag"] is True and n["none"] is None
    assert n["list"][:3] == [1, "two", 3.0]
    np.testing.assert_array_equal(n["list"][3][0].array, [1, 1])
    assert n["tuple"] == (0.9, 0.999) and isinstance(n["tuple"], tuple)
    assert n[3] == "int key" and n[(1, 2)] == "tuple key"
    assert back["special"] == [math.inf, -math.inf]
    assert back["npfloat"] == 0.25 and back["npint"] == 4


def test_nan_round_trip(tmp_path):
    mg.save({"x": math.nan, "t": mg.tensor([math.nan])}, tmp_path / "n.npz")
    back = mg.load(tmp_path / "n.npz")
    assert math.isnan(back["x"]) and np.isnan(back["t"].array[0])


def test_loaded_tensors_do_not_alias_the_saved_ones(tmp_path):
    t = mg.ones(3)
    mg.save({"t": t}, tmp_path / "a.npz")
    back = mg.load(tmp_path / "a.npz")
    back["t"].array[0] = 5
    assert t.array[0] == 1


def test_user_dict_with_marker_like_keys_is_not_confused(tmp_path):
    obj = {"__tensor__": "a0", "__dict__": [1, 2], "__tuple__": "x", "__float__": "nan"}
    mg.save(obj, tmp_path / "k.npz")
    assert mg.load(tmp_path / "k.npz") == obj


def test_model_checkpoint_gives_identical_outputs(tmp_path):
    model = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Dropout(0.2), nn.Linear(10, 3))
    model.eval()
    x = mg.randn(5, 6)
    path = tmp_path / "model.npz"
    mg.save(model.state_dict(), path)
    mg.manual_seed(1234)
    fresh = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Dropout(0.2), nn.Linear(10, 3))
    fresh.eval()
    assert not np.array_equal(fresh(x).array, model(x).array)
    fresh.load_state_dict(mg.load(path))
    np.testing.assert_array_equal(fresh(x).array, model(x).array)
    for p in fresh.parameters():
        assert p.dtype == np.float32


def test_optimizer_state_dict_round_trip(tmp_path):
    model = nn.Linear(3, 2, dtype=mg.float64)
    opt = optim.Adam([{"params": [model.weight], "lr": 0.01}, {"params": [model.bias]}],
                     lr=0.1, betas=(0.8, 0.9), amsgrad=True)
    model(mg.randn(4, 3, dtype=mg.float64)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    mg.save(sd, tmp_path / "opt.npz")
    back = mg.load(tmp_path / "opt.npz")
    assert back["param_groups"] == sd["param_groups"]
    assert set(back["state"]) == {0, 1}
    for i in (0, 1):
        assert back["state"][i]["step"] == 1
        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_array_equal(back["state"][i][k].array, sd["state"][i][k].array)


def test_any_file_name_and_pathlike(tmp_path):
    mg.save({"a": 1}, tmp_path / "weights.ckpt")
    assert files_in(tmp_path) == ["weights.ckpt"]  # no ".npz" appended
    assert mg.load(str(tmp_path / "weights.ckpt")) == {"a": 1}


def test_overwrite_replaces_previous(tmp_path):
    path = tmp_path / "c.npz"
    mg.save({"v": 1}, path)
    mg.save({"v": 2}, path)
    assert mg.load(path) == {"v": 2}
    assert files_in(tmp_path) == ["c.npz"]


def test_unsupported_objects_are_clear_errors_and_write_nothing(tmp_path):
    path = tmp_path / "c.npz"
    mg.save({"v": 1}, path)
    with pytest.raises(TypeError, match="set"):
        mg.save({"bad": {1, 2}}, path)
    with pytest.raises(TypeError, match="dtype"):
        mg.save({"bad": np.array([object()])}, path)
    with pytest.raises(TypeError):
        mg.save({"model": nn.Linear(2, 2)}, path)  # save the state_dict, not the module
    assert mg.load(path) == {"v": 1}
    assert files_in(tmp_path) == ["c.npz"]


# -------------------------------------------------------------------- atomicity
@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()])
def test_failed_save_keeps_previous_checkpoint_and_leaves_no_temp(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.npz"
    mg.save({"epoch": 1, "w": mg.ones(1000)}, path)
    before = path.read_bytes()
    real_savez = np.savez

    def failing_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half a zip")  # some bytes reach the disk, then it dies
        raise exc

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(type(exc)):
        mg.save({"epoch": 2, "w": mg.zeros(1000)}, path)
    monkeypatch.setattr(np, "savez", real_savez)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["ckpt.npz"]
    back = mg.load(path)
    assert back["epoch"] == 1 and (back["w"].array == 1).all()


def test_failure_midway_through_writing_entries(tmp_path, monkeypatch):
    # let numpy write real entries, then fail while writing a later one
    path = tmp_path / "ckpt.npz"
    mg.save({"epoch": 1}, path)
    before = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr
    calls = []

    def flaky_writestr(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("I/O error midway")
        return real_writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", flaky_writestr)
    real_open = zipfile.ZipFile.open
    opens = []

    def flaky_open(self, name, mode="r", *args, **kwargs):
        if mode == "w":
            opens.append(name)
            if len(opens) == 2:
                raise OSError("I/O error midway")
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", flaky_open)
    with pytest.raises(OSError, match="midway"):
        mg.save({"epoch": 2, "a": mg.ones(3), "b": mg.ones(4)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["ckpt.npz"]


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("no space")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        mg.save({"a": 1}, tmp_path / "new.npz")
    assert files_in(tmp_path) == []


# --------------------------------------------------------------- no pickling ever
class _Payload:
    """Unpickling this would create the marker file: proof that code ran."""

    marker = None

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _pickle_npz(path, marker, with_minigrad_marker):
    _Payload.marker = marker
    arr = np.empty(1, dtype=object)
    arr[0] = _Payload()
    entries = {"a0": arr}
    if with_minigrad_marker:
        header = {"format": "minigrad-checkpoint", "version": 1,
                  "structure": {"__dict__": [["x", {"__ndarray__": "a0"}]]}}
        entries["__minigrad__"] = np.array(json.dumps(header))
    with open(path, "wb") as f:
        np.savez(f, **entries)  # numpy pickles object arrays when writing


@pytest.mark.parametrize("with_minigrad_marker", [True, False])
def test_object_array_npz_cannot_run_code(tmp_path, with_minigrad_marker):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    _pickle_npz(path, marker, with_minigrad_marker)
    with pytest.raises(ValueError) as err:
        mg.load(path)
    assert not marker.exists()
    msg = str(err.value)
    assert str(path) in msg
    if with_minigrad_marker:
        assert "pickle" in msg.lower() or "object" in msg.lower()


def test_plain_pickle_file_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    _Payload.marker = marker
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"w": _Payload()}))
    with pytest.raises(ValueError, match="minigrad checkpoint"):
        mg.load(path)
    assert not marker.exists()


# ---------------------------------------------------------------- bad files
def test_truncated_file_is_value_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": mg.randn(200, 50), "epoch": 3}, path)
    data = path.read_bytes()
    for cut in (0, 10, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="cut"):
            mg.load(bad)


def test_corrupted_bytes_are_value_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": mg.randn(100, 10), "epoch": 3}, path)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(64)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt"):
        mg.load(path)


def test_foreign_npz_is_value_error(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(3))
    with pytest.raises(ValueError, match="not a minigrad checkpoint"):
        mg.load(path)
    np.save(tmp_path / "plain.npy", np.ones(3))
    with pytest.raises(ValueError, match="minigrad checkpoint"):
        mg.load(tmp_path / "plain.npy")


@pytest.mark.parametrize("payload", [np.random.default_rng(0).bytes(500), b"", b"hello\n",
                                     b"PK\x03\x04" + bytes(100)])
def test_random_bytes_are_value_error(tmp_path, payload):
    path = tmp_path / "junk.bin"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match="junk"):
        mg.load(path)


@pytest.mark.parametrize("header", [
    {"format": "something-else", "version": 1, "structure": 1},
    {"format": "minigrad-checkpoint", "version": 99, "structure": 1},
    {"format": "minigrad-checkpoint", "version": 1,
     "structure": {"__tensor__": "a7"}},  # refers to a missing array
    {"format": "minigrad-checkpoint", "version": 1, "structure": {"__what__": 1}},
    ["not", "a", "dict"],
])
def test_malformed_header_is_value_error(tmp_path, header):
    path = tmp_path / "odd.npz"
    with open(path, "wb") as f:
        np.savez(f, __minigrad__=np.array(json.dumps(header)))
    with pytest.raises(ValueError, match="odd.npz"):
        mg.load(path)


def test_header_not_json_is_value_error(tmp_path):
    path = tmp_path / "odd.npz"
    buf = io.BytesIO()
    np.savez(buf, __minigrad__=np.array("{not json"))
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="odd.npz"):
        mg.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "nope.npz")
