"""The Tensor API: dtypes, factories, attributes, conversions, repr, operands, comparisons."""

import numpy as np
import pytest

import minigrad as mg

# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    ([[1, 2.5], [3, 4]], np.float32),  # mixed int/float lists are floats
    (3, np.int64),
    ([1, 2, 3], np.int64),
    (True, np.bool_),
    ([True, False], np.bool_),
    (np.array([1.0, 2.0]), np.float64),  # numpy keeps its dtype
    (np.array([1.0], dtype=np.float32), np.float32),
    (np.array([1, 2], dtype=np.int32), np.int32),
    (np.float64(2.0), np.float64),
])
def test_default_dtypes(data, dtype):
    assert mg.tensor(data).dtype == dtype


def test_dtype_names_are_numpy_types():
    assert mg.float32 is np.float32
    assert mg.float64 is np.float64
    assert mg.int64 is np.int64
    assert mg.bool is np.bool_


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64, mg.int64, mg.bool])
def test_tensor_dtype_argument(dtype):
    t = mg.tensor([0, 1, 2], dtype=dtype)
    assert t.dtype == dtype
    assert t.tolist() == np.array([0, 1, 2]).astype(dtype).tolist()


def test_dtype_by_name():
    assert mg.tensor([1], dtype="float64").dtype == np.float64
    with pytest.raises(TypeError, match="unknown dtype"):
        mg.tensor([1], dtype="quaternion")


FACTORIES = {
    "zeros": lambda dt: mg.zeros(2, 3, dtype=dt),
    "ones": lambda dt: mg.ones((2, 3), dtype=dt),
    "full": lambda dt: mg.full((2, 3), 1, dtype=dt),
    "zeros_like": lambda dt: mg.zeros_like(mg.ones(2, 3), dtype=dt),
    "ones_like": lambda dt: mg.ones_like(mg.ones(2, 3), dtype=dt),
    "arange": lambda dt: mg.arange(0, 6, dtype=dt),
    "linspace": lambda dt: mg.linspace(0, 5, 6, dtype=dt),
    "eye": lambda dt: mg.eye(3, dtype=dt),
    "rand": lambda dt: mg.rand(2, 3, dtype=dt),
    "randn": lambda dt: mg.randn(2, 3, dtype=dt),
    "randint": lambda dt: mg.randint(0, 5, (2, 3), dtype=dt),
    "tensor": lambda dt: mg.tensor([[1, 2], [3, 4]], dtype=dt),
}


@pytest.mark.parametrize("name, dtype", [
    (name, dtype) for name in sorted(FACTORIES)
    for dtype in (mg.float32, mg.float64, mg.int64)
    if not (name in ("rand", "randn") and dtype == mg.int64)  # continuous samples
])
def test_every_factory_takes_dtype(name, dtype):
    t = FACTORIES[name](dtype)
    assert t.dtype == dtype
    assert t.shape in ((2, 3), (6,), (3, 3), (2, 2))


@pytest.mark.parametrize("name, dtype", [
    ("zeros", np.float32), ("ones", np.float32), ("full", np.int64),
    ("arange", np.int64), ("linspace", np.float32), ("eye", np.float32),
    ("rand", np.float32), ("randn", np.float32), ("randint", np.int64),
])
def test_factory_default_dtypes(name, dtype):
    assert FACTORIES[name](None).dtype == dtype


def test_factory_values():
    np.testing.assert_array_equal(mg.zeros(2, 3).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(mg.ones(4).numpy(), np.ones(4))
    np.testing.assert_array_equal(mg.full((2,), 7.5).numpy(), [7.5, 7.5])
    assert mg.full((2,), 7.5).dtype == np.float32
    np.testing.assert_array_equal(mg.arange(5).numpy(), np.arange(5))
    np.testing.assert_array_equal(mg.arange(1, 7, 2).numpy(), [1, 3, 5])
    assert mg.arange(0, 1, 0.25).dtype == np.float32
    np.testing.assert_allclose(mg.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(mg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(mg.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(mg.eye(2, 3).numpy(), np.eye(2, 3))
    like = mg.tensor(np.ones((2, 2)))
    assert mg.zeros_like(like).dtype == np.float64  # *_like keep the dtype
    assert mg.ones_like(like).shape == (2, 2)


def test_random_factories_ranges():
    r = mg.rand(1000).numpy()
    assert r.min() >= 0 and r.max() < 1
    n = mg.randn(10000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    i = mg.randint(3, 7, (1000,)).numpy()
    assert i.min() == 3 and i.max() == 6
    assert mg.randint(4, size=(5,)).numpy().max() < 4


@pytest.mark.parametrize("draw", [
    lambda: mg.rand(5), lambda: mg.randn(2, 3), lambda: mg.randint(0, 100, (8,)),
])
def test_manual_seed_reproducible(draw):
    mg.manual_seed(123)
    a, b = draw().numpy(), draw().numpy()
    mg.manual_seed(123)
    c, d = draw().numpy(), draw().numpy()
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    assert not np.array_equal(a, b)  # successive draws differ
    mg.manual_seed(124)
    assert not np.array_equal(draw().numpy(), a)


def test_factories_requires_grad():
    for t in (mg.zeros(2, requires_grad=True), mg.ones(2, requires_grad=True),
              mg.randn(2, requires_grad=True), mg.rand(2, requires_grad=True),
              mg.full((2,), 1.0, requires_grad=True), mg.eye(2, requires_grad=True),
              mg.linspace(0, 1, 3, requires_grad=True),
              mg.tensor([1.0], requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad is None


@pytest.mark.parametrize("make", [
    lambda: mg.tensor([1, 2], requires_grad=True),
    lambda: mg.zeros(2, dtype=mg.int64, requires_grad=True),
    lambda: mg.arange(3, requires_grad=True),
    lambda: mg.tensor([True], requires_grad=True),
    lambda: mg.tensor([1, 2]).requires_grad_(),
])
def test_only_floats_may_require_grad(make):
    with pytest.raises(RuntimeError, match="only floating-point"):
        make()


# ------------------------------------------------------------------------- attributes


def test_attributes():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dtype == np.float32
    assert x.size() == (2, 3) and x.size(0) == 2 and x.size(dim=-1) == 3
    assert x.numel() == 6 and len(x) == 2
    assert isinstance(x.array, np.ndarray)
    assert x.grad is None and not x.requires_grad and x.is_leaf and x.grad_fn is None
    assert x.T.shape == (3, 2)
    np.testing.assert_array_equal(x.T.numpy(), x.numpy().T)
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert mg.tensor(3.0).T.shape == ()


def test_size_bad_dim():
    with pytest.raises(IndexError, match="out of range"):
        mg.ones(2, 3).size(2)


def test_len_of_scalar():
    with pytest.raises(TypeError, match="0-d"):
        len(mg.tensor(1.0))


def test_item():
    assert mg.tensor([[2.5]]).item() == 2.5
    assert isinstance(mg.tensor(3).item(), int)
    assert isinstance(mg.tensor(3.0).item(), float)
    with pytest.raises(ValueError, match="one-element"):
        mg.tensor([1.0, 2.0]).item()


def test_numpy_shares_memory_and_refuses_grad():
    x = mg.tensor([1.0, 2.0])
    a = x.numpy()
    a[0] = 9.0
    assert x.tolist() == [9.0, 2.0]
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0]


def test_tensor_copies_its_input():
    a = np.array([1.0, 2.0])
    t = mg.tensor(a)
    a[0] = 5.0
    assert t.tolist() == [1.0, 2.0]


def test_detach():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.array, y.array)
    z = (d * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])  # d is a constant


@pytest.mark.parametrize("convert", [
    lambda t: t.astype(mg.float64), lambda t: t.to(mg.float64), lambda t: t.double(),
    lambda t: t.to("float64"),
])
def test_astype_to(convert):
    x = mg.tensor([1.5, 2.5])
    y = convert(x)
    assert y.dtype == np.float64 and y.tolist() == [1.5, 2.5]
    assert x.dtype == np.float32
    assert x.to(mg.int64).tolist() == [1, 2] and x.to(mg.int64).dtype == np.int64


def test_cast_is_differentiable_and_grad_keeps_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x.to(mg.float64) ** 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_cast_to_int_cuts_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert not x.to(mg.int64).requires_grad


# ------------------------------------------------------------------------------ repr


def test_repr_plain_and_requires_grad():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], requires_grad=True)"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mg.tensor([True, False])) == "tensor([ True, False])"
    assert repr(mg.tensor(2.0, dtype=mg.float64)) == "tensor(2., dtype=float64)"


def test_repr_grad_fn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(x + x).endswith("grad_fn=<AddBackward>)")
    assert repr(x.sum()) == "tensor(3., grad_fn=<SumBackward>)"


def test_repr_multiline_aligned():
    r = repr(mg.ones(2, 2))
    assert r == "tensor([[1., 1.],\n        [1., 1.]])"


def test_grad_fn_names():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    assert (x * x).grad_fn.name() == "MulBackward"
    assert repr((x * x).grad_fn) == "<MulBackward>"
    # One class for every op's node (the engine's attribute reads rely on it).
    assert type((x * x).grad_fn) is type(x.exp().grad_fn) is mg.autograd.Node
    assert (x + 1).grad_fn.name() == "AddBackward"
    assert (x @ x.T).grad_fn.name() == "MatMulBackward"
    assert x.exp().grad_fn.name() == "ExpBackward"
    assert x.sum().grad_fn.name() == "SumBackward"
    assert x.reshape(2).grad_fn.name() == "ReshapeBackward"


# ---------------------------------------------------------------------------- operands


def test_scalars_and_arrays_on_either_side():
    x = mg.tensor([1.0, 2.0, 4.0], requires_grad=True)
    cases = {
        "2*x": (2 * x, [2, 4, 8]), "x*2": (x * 2, [2, 4, 8]),
        "1-x": (1 - x, [0, -1, -3]), "x-1": (x - 1, [0, 1, 3]),
        "8/x": (8 / x, [8, 4, 2]), "x/2": (x / 2, [0.5, 1, 2]),
        "2**x": (2 ** x, [2, 4, 16]), "x**2": (x ** 2, [1, 4, 16]),
        "np+x": (np.ones(3) + x, [2, 3, 5]), "x+np": (x + np.ones(3), [2, 3, 5]),
        "np*x": (np.full(3, 3.0) * x, [3, 6, 12]), "np-x": (np.zeros(3) - x, [-1, -2, -4]),
        "np/x": (np.full(3, 4.0) / x, [4, 2, 1]),
    }
    for name, (y, want) in cases.items():
        assert isinstance(y, mg.Tensor), name
        np.testing.assert_allclose(y.detach().numpy(), want, err_msg=name)
        assert y.requires_grad, name


def test_reflected_ops_gradients():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (3 * x + np.array([1.0, 1.0]) * x - 1 / x + 2 ** x).sum().backward()
    want = 3 + 1 + 1 / np.array([1.0, 2.0]) ** 2 + np.log(2) * 2 ** np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6)
    assert x.grad.dtype == np.float32


def test_numpy_left_operand_matmul():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = np.eye(2) @ x
    assert isinstance(y, mg.Tensor)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())


def test_python_scalars_do_not_widen():
    x = mg.tensor([1.0, 2.0])
    assert (x * 2.5).dtype == np.float32
    assert (2 * x).dtype == np.float32
    assert (mg.tensor([1, 2]) / 2).dtype == np.float32
    assert (mg.tensor([1, 2]) * 2).dtype == np.int64
    assert (x + mg.tensor([1.0], dtype=mg.float64)).dtype == np.float64


@pytest.mark.parametrize("op, want", [
    (lambda x: x == 2.0, [False, True, False]),
    (lambda x: x != 2.0, [True, False, True]),
    (lambda x: x < 2.0, [True, False, False]),
    (lambda x: x <= 2.0, [True, True, False]),
    (lambda x: x > 2.0, [False, False, True]),
    (lambda x: x >= 2.0, [False, True, True]),
    (lambda x: x == mg.tensor([1.0, 0.0, 3.0]), [True, False, True]),
    (lambda x: np.array([1.0, 2.0, 2.0]) < x, [False, False, True]),
    (lambda x: 2.0 > x, [True, False, False]),
])
def test_comparisons_give_bool_tensors_without_graph(op, want):
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    r = op(x)
    assert isinstance(r, mg.Tensor)
    assert r.dtype == np.bool_
    assert r.tolist() == want
    assert not r.requires_grad and r.grad_fn is None


def test_tensor_hashable_by_identity():
    a, b = mg.tensor([1.0]), mg.tensor([1.0])
    assert len({a, b}) == 2


@pytest.mark.parametrize("method", ["sum", "mean", "amax", "amin", "logsumexp", "var", "std"])
def test_numpy_axis_keepdims_aliases(method):
    x = mg.tensor(np.arange(24.0).reshape(2, 3, 4))
    a = getattr(x, method)(axis=1, keepdims=True)
    b = getattr(x, method)(dim=1, keepdim=True)
    assert a.shape == b.shape == (2, 1, 4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    c = getattr(x, method)(axis=(0, 2))
    assert c.shape == (3,)
    np.testing.assert_array_equal(c.numpy(), getattr(x, method)(dim=(0, 2)).numpy())


def test_axis_aliases_on_max_min_argmax():
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.max(axis=1).values.tolist() == [5.0, 7.0]
    assert x.min(axis=0, keepdims=True).values.shape == (1, 2)
    assert x.argmax(axis=1).tolist() == [1, 0]
    assert mg.sum(x, axis=0).tolist() == [8.0, 7.0]


def test_axis_and_dim_together_rejected():
    with pytest.raises(TypeError, match="not both"):
        mg.ones(2, 2).sum(dim=0, axis=0)


def test_reduction_dims_and_keepdim():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum().shape == ()
    assert x.sum(dim=-1).tolist() == [3.0, 12.0]
    assert x.mean(dim=0, keepdim=True).shape == (1, 3)
    assert x.sum(dim=(0, 1)).item() == 15.0


@pytest.mark.parametrize("factory", [mg.rand, mg.randn])
def test_random_floats_refuse_integer_dtype(factory):
    with pytest.raises(TypeError, match="randint"):
        factory(3, dtype=mg.int64)
