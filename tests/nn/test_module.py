"""Module and Parameter: registration, traversal, modes, gradients, state dicts, repr."""

import re
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(mg.ones(4))
        self.register_buffer("running", mg.zeros(4))
        self.register_buffer("scratch", mg.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x).relu() * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2)
        self.plain = [nn.Linear(2, 2)]  # a plain list is not registered

    def forward(self, x):
        return self.head(self.block(x))


# ------------------------------------------------------------------ registration
def test_parameters_registered_by_assignment_in_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    # torch's order: a module's own parameters, then its children's, depth first
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.weight",
                     "head.bias"]
    # every listed parameter is the very object stored on the module
    lookup = dict(net.named_parameters())
    assert lookup["head.weight"] is net.head.weight
    assert lookup["block.fc.bias"] is net.block.fc.bias
    assert len(list(net.parameters())) == 5
    assert all(isinstance(p, nn.Parameter) for p in net.parameters())


def test_named_parameters_torch_order():
    # torch lists a module's own parameters before its children's
    names = [n for n, _ in Block().named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias"]


def test_plain_list_is_not_registered():
    net = Net()
    ids = {id(p) for p in net.parameters()}
    assert id(net.plain[0].weight) not in ids


def test_shared_parameter_listed_once():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 3)
            self.b = nn.Linear(3, 3)
            self.b.weight = self.a.weight

    m = Tied()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["a.weight", "a.bias", "b.bias"]
    assert len(list(m.parameters())) == 3


def test_shared_submodule_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


def test_children_modules_named_modules():
    net = Net()
    assert list(net.children()) == [net.block, net.head]
    mods = list(net.modules())
    assert mods[0] is net
    assert set(map(id, mods)) == {id(net), id(net.block), id(net.block.fc), id(net.head)}
    names = [n for n, _ in net.named_modules()]
    assert names == ["", "block", "block.fc", "head"]


def test_assigning_plain_tensor_over_parameter_is_type_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        lin.weight = mg.zeros(2, 2)
    # the original parameter is still in place
    assert isinstance(lin.weight, nn.Parameter)
    # None is allowed (torch behaviour) and hides the parameter
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_assigning_non_module_over_submodule_is_type_error():
    net = Net()
    with pytest.raises(TypeError, match="head"):
        net.head = 3


def test_reassigning_attribute_moves_between_registries():
    m = nn.Module()
    m.x = nn.Linear(1, 1)
    assert "x" in dict(m.named_children())
    m.x = nn.Parameter(mg.zeros(1))
    assert "x" not in dict(m.named_children())
    assert [n for n, _ in m.named_parameters()] == ["x"]


def test_setattr_before_super_init_is_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)
            super().__init__()

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_delattr_unregisters():
    net = Net()
    del net.head
    assert [n for n, _ in net.named_children()] == ["block"]
    with pytest.raises(AttributeError):
        _ = net.head


def test_missing_attribute_error_names_it():
    with pytest.raises(AttributeError, match="nonexistent"):
        _ = nn.Linear(1, 1).nonexistent


# ----------------------------------------------------------------------- buffers
def test_buffers_and_persistence():
    b = Block()
    assert [n for n, _ in b.named_buffers()] == ["running", "scratch"]
    sd = b.state_dict()
    assert "running" in sd and "scratch" not in sd
    # buffers are not parameters
    assert all(id(x) not in {id(p) for p in b.parameters()} for x in b.buffers())
    with pytest.raises(TypeError):
        b.register_buffer("bad", np.zeros(3))
    with pytest.raises(TypeError):
        b.running = 5


def test_buffer_loaded_from_state_dict():
    a, b = Block(), Block()
    a.running.array[:] = [1, 2, 3, 4]
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.running.array, [1, 2, 3, 4])


# ------------------------------------------------------------------------- modes
def test_train_eval_recursive():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net[1][0].training


# ---------------------------------------------------------------------- gradients
def _run_backward(net):
    x = mg.randn(5, 3)
    net(x).sum().backward()


def test_zero_grad_set_to_none_and_zeros():
    net = Net()
    _run_backward(net)
    assert all(p.grad is not None for p in net.parameters())
    grads = {id(p): p.grad for p in net.parameters()}
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is grads[id(p)]  # zeroed in place, same tensor
        assert not p.grad.array.any()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_gradients_accumulate_until_zeroed():
    lin = nn.Linear(3, 1)
    x = mg.randn(4, 3)
    lin(x).sum().backward()
    g1 = lin.weight.grad.array.copy()
    lin(x).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.array, 2 * g1, rtol=1e-6)


def test_requires_grad_toggle():
    net = Net()
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    out = net(mg.randn(2, 3))
    assert not out.requires_grad
    net.block.requires_grad_(True)
    assert [n for n, p in net.named_parameters() if p.requires_grad] == \
        [n for n, _ in net.named_parameters() if n.startswith("block.")]


# ------------------------------------------------------------------- state dicts
def test_state_dict_keys_and_round_trip():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert set(sd) == {"block.scale", "block.fc.weight", "block.fc.bias", "block.running",
                       "head.weight", "head.bias"}
    x = mg.randn(6, 3)
    assert not np.allclose(a(x).array, b(x).array)
    result = b.load_state_dict(sd)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    np.testing.assert_array_equal(a(x).array, b(x).array)
    # loading copies values: b's parameters are still its own objects
    assert b.head.weight is not a.head.weight
    b.head.weight.array[...] = 0
    assert a.head.weight.array.any()


def test_state_dict_values_are_detached():
    sd = Net().state_dict()
    assert all(not v.requires_grad for v in sd.values())


def test_load_state_dict_accepts_numpy_arrays():
    lin = nn.Linear(2, 3)
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    lin.load_state_dict({"weight": w, "bias": np.zeros(3)})
    np.testing.assert_array_equal(lin.weight.array, w)
    assert lin.weight.dtype == np.float32


def _snapshot(m):
    return {k: v.array.copy() for k, v in m.state_dict().items()}


def _assert_unchanged(m, snap):
    now = _snapshot(m)
    assert now.keys() == snap.keys()
    for k in snap:
        np.testing.assert_array_equal(now[k], snap[k])


def test_load_state_dict_missing_keys_listed_and_nothing_changed():
    a, b = Net(), Net()
    sd = dict(a.state_dict())
    del sd["head.bias"], sd["block.running"]
    before = _snapshot(b)
    with pytest.raises(RuntimeError) as err:
        b.load_state_dict(sd)
    msg = str(err.value)
    assert "missing" in msg and "head.bias" in msg and "block.running" in msg
    _assert_unchanged(b, before)


def test_load_state_dict_unexpected_keys_listed_and_nothing_changed():
    a, b = Net(), Net()
    sd = dict(a.state_dict())
    sd["head.extra"] = mg.zeros(2)
    sd["ghost.weight"] = mg.zeros(1)
    before = _snapshot(b)
    with pytest.raises(RuntimeError) as err:
        b.load_state_dict(sd)
    msg = str(err.value)
    assert "unexpected" in msg and "head.extra" in msg and "ghost.weight" in msg
    _assert_unchanged(b, before)


def test_load_state_dict_shape_mismatch_listed_and_nothing_changed():
    a, b = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 5)), \
        nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    before = _snapshot(b)
    with pytest.raises(RuntimeError) as err:
        b.load_state_dict(a.state_dict())
    msg = str(err.value)
    assert "1.weight" in msg and "1.bias" in msg
    assert "(5, 4)" in msg and "(2, 4)" in msg
    # layer 0 matched but must not have been written either
    _assert_unchanged(b, before)


def test_load_state_dict_non_strict_reports_keys():
    a, b = Net(), Net()
    sd = dict(a.state_dict())
    del sd["head.bias"]
    sd["foo"] = mg.zeros(1)
    result = b.load_state_dict(sd, strict=False)
    assert list(result.missing_keys) == ["head.bias"]
    assert list(result.unexpected_keys) == ["foo"]
    np.testing.assert_array_equal(b.head.weight.array, a.head.weight.array)


def test_load_state_dict_non_strict_still_rejects_shape_mismatch():
    lin = nn.Linear(2, 3)
    before = _snapshot(lin)
    with pytest.raises(RuntimeError, match="weight"):
        lin.load_state_dict({"weight": mg.zeros(3, 3), "bias": mg.ones(3)}, strict=False)
    _assert_unchanged(lin, before)


def test_loaded_parameter_keeps_graph_usable():
    lin = nn.Linear(2, 1)
    lin.load_state_dict(nn.Linear(2, 1).state_dict())
    lin(mg.ones(3, 2)).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.array, [[3.0, 3.0]])
    assert lin.weight.is_leaf and lin.weight.grad_fn is None


# ----------------------------------------------------------------- call and repr
def test_call_runs_forward():
    calls = []

    class M(nn.Module):
        def forward(self, x, k=1):
            calls.append((x, k))
            return x * k

    m = M()
    assert m(3, k=2) == 6
    assert calls == [(3, 2)]


def test_forward_not_defined_is_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_repr_tree_matches_torch_layout():
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(),
                          nn.Sequential(nn.Linear(256, 10, bias=False), nn.LeakyReLU(0.2)))
    expected = (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=256, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=256, out_features=10, bias=False)\n"
        "    (1): LeakyReLU(negative_slope=0.2)\n"
        "  )\n"
        ")")
    assert repr(model) == expected


def test_repr_custom_module_uses_attribute_names():
    text = repr(Net())
    assert text.startswith("Net(\n")
    assert "(block): Block(" in text and "(head): Linear(in_features=4" in text


def test_apply_visits_every_module_children_first():
    net = Net()
    seen = []
    assert net.apply(seen.append) is net
    assert seen == [net.block.fc, net.block, net.head, net]


def test_apply_can_reinitialise():
    net = Net()

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net.apply(init)
    assert not net.block.fc.weight.array.any() and not net.head.weight.array.any()


# --------------------------------------------------------------------- Parameter
def test_parameter_is_leaf_requiring_grad():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    assert isinstance(p, mg.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not nn.Parameter(mg.zeros(2), requires_grad=False).requires_grad
    assert "Parameter containing" in repr(p)


def test_parameter_shares_memory_with_source():
    arr = np.zeros(3, dtype=np.float64)
    p = nn.Parameter(arr)
    assert p.dtype == np.float64
    p.array[0] = 5
    assert arr[0] == 5


@pytest.mark.parametrize("data", [np.arange(3), [1, 2], np.ones(2, dtype=bool),
                                  mg.ones(2, dtype=mg.int64)])
def test_parameter_of_integers_raises_as_torch(data):
    # torch: "Only Tensors of floating point and complex dtype can require gradients";
    # it used to become float32 silently.
    with pytest.raises(RuntimeError, match="floating-point.*requires_grad=False"):
        nn.Parameter(data)


def test_parameter_of_integers_without_grad_keeps_its_dtype():
    arr = np.arange(3)
    p = nn.Parameter(arr, requires_grad=False)
    assert p.dtype == np.int64 and not p.requires_grad
    arr[0] = 7  # shares memory, as torch.nn.Parameter(t, requires_grad=False)
    assert p.array[0] == 7


def test_sequential_from_ordered_dict_names():
    m = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in m.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(m[1], nn.ReLU)


def test_to_double():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block.running.dtype == np.float64
    assert net(mg.randn(2, 3, dtype=mg.float64)).dtype == np.float64


def test_register_buffer_refuses_a_name_in_use():
    layer = nn.Linear(2, 3)
    with pytest.raises(KeyError, match="weight"):
        layer.register_buffer("weight", mg.zeros(3))


@pytest.mark.parametrize("key, bad", [
    ("1.weight", np.array([["1", "2"], ["3", "x"]])),  # the crafted string array
    ("1.weight", np.array([["1", "2"], ["3", "4"]])),  # strings, even if they parse
    ("1.bias", np.array(["a", "b"])),
    ("1.weight", np.array([[object(), 1]] * 2, dtype=object)),
    ("1.bias", "text"),
    ("1.weight", [[1, 2], [3]]),  # ragged
    ("1.bias", np.array([1 + 2j, 3j])),
])
def test_load_state_dict_bad_late_value_names_key_and_changes_nothing(key, bad):
    a, b = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)), \
        nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    sd = dict(a.state_dict())
    sd[key] = bad
    versions = [p._version for p in b.parameters()]
    before = _snapshot(b)
    with pytest.raises(RuntimeError, match=rf"nothing was changed.*\n  {re.escape(key)}: "):
        b.load_state_dict(sd)
    _assert_unchanged(b, before)
    assert [p._version for p in b.parameters()] == versions  # not even rewritten


def test_load_state_dict_lists_every_bad_key():
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as err:
        lin.load_state_dict({"weight": np.full((3, 2), "w"), "bias": mg.zeros(4)})
    assert "weight: " in str(err.value) and "dtype <U1" in str(err.value)
    assert "bias: size mismatch" in str(err.value)


def test_load_state_dict_converts_dtypes_and_allows_nonfinite():
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": np.array([[1, 2]], dtype=np.int64),
                         "bias": np.array([np.nan])})
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(lin.weight), [[1, 2]])
    assert np.isnan(np.asarray(lin.bias)[0])


def test_load_state_dict_bumps_versions():
    lin = nn.Linear(2, 1)
    before = lin.weight._version
    lin.load_state_dict(nn.Linear(2, 1).state_dict())
    assert lin.weight._version == before + 1
