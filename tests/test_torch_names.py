"""torch's names on minigrad: dtype aliases and the default dtype, the cast methods,
``normal``, ``t mm view_as reshape_as expand_as``, torch's keyword names on the common
functions, and f-string formatting of tensors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import gradcheck
from minigrad.testing.strategies import tensors

ALIASES = {"float": np.float32, "double": np.float64, "half": np.float16,
           "float16": np.float16, "float32": np.float32, "float64": np.float64,
           "long": np.int64, "int": np.int32, "int64": np.int64, "int32": np.int32,
           "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "short": np.int16,
           "bool": np.bool_}


@pytest.mark.parametrize("name", list(ALIASES))
def test_dtype_aliases(name):
    dt = getattr(mg, name)
    assert np.dtype(dt) == np.dtype(ALIASES[name])
    for t in (mg.zeros(2, dtype=dt), mg.tensor([1, 0], dtype=dt), mg.full((2,), 1, dtype=dt),
              mg.arange(3, dtype=dt), mg.ones(2).to(dt), mg.eye(2, dtype=dt)):
        assert t.dtype == ALIASES[name]


@pytest.mark.needs_torch
@pytest.mark.parametrize("name", list(ALIASES))
def test_dtype_aliases_match_torch(name):
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(2, dtype=getattr(torch, name)).numpy().dtype
    assert np.dtype(getattr(mg, name)) == theirs


def test_bfloat16_says_numpy_lacks_it():
    with pytest.raises(AttributeError, match="numpy.*has no bfloat16"):
        mg.bfloat16  # noqa: B018
    with pytest.raises(TypeError, match="no bfloat16"):
        mg.zeros(2, dtype="bfloat16")


def test_default_dtype():
    assert mg.get_default_dtype() is mg.float32
    try:
        mg.set_default_dtype(mg.float64)
        assert mg.get_default_dtype() is mg.float64
        assert mg.tensor([1.5]).dtype == np.float64 and mg.zeros(2).dtype == np.float64
        assert mg.nn.Linear(2, 2).weight.dtype == np.float64
        with pytest.raises(TypeError, match="only floating-point"):
            mg.set_default_dtype(mg.int64)
    finally:
        mg.set_default_dtype(mg.float32)
    assert mg.tensor([1.5]).dtype == np.float32


@pytest.mark.parametrize("method, dtype", [("float", np.float32), ("double", np.float64),
                                           ("half", np.float16), ("long", np.int64),
                                           ("int", np.int32), ("short", np.int16),
                                           ("byte", np.uint8), ("bool", np.bool_)])
def test_cast_methods(method, dtype):
    x = mg.tensor([0.0, 1.5, -2.0], dtype=mg.float64)
    y = getattr(x, method)()
    assert y.dtype == dtype
    np.testing.assert_array_equal(np.asarray(y), np.asarray(x).astype(dtype))


def test_cast_methods_are_differentiable_between_floats():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float64
    np.testing.assert_array_equal(np.asarray(x.grad), [3, 3])


# ------------------------------------------------------------------------- normal
def test_normal_float_mean_std_with_size():
    mg.manual_seed(1)
    x = mg.normal(2.0, 3.0, size=(4000,))
    assert x.shape == (4000,) and x.dtype == np.float32 and not x.requires_grad
    assert abs(np.asarray(x).mean() - 2) < 0.2 and abs(np.asarray(x).std() - 3) < 0.2
    assert mg.normal(0.0, 1.0, (2, 3), dtype=mg.float64).dtype == np.float64
    assert mg.normal(0.0, 1.0, size=(2,), requires_grad=True).requires_grad


def test_normal_tensor_overloads():
    mg.manual_seed(2)
    mean = mg.arange(1.0, 5001.0)
    x = mg.normal(mean, 0.5)
    assert x.shape == (5000,)
    assert abs((np.asarray(x) - np.asarray(mean)).std() - 0.5) < 0.05
    std = mg.full((3, 2), 2.0, dtype=mg.float64)
    y = mg.normal(1.0, std)
    assert y.shape == (3, 2) and y.dtype == np.float64
    z = mg.normal(mg.zeros(2, 3), mg.ones(3))  # broadcast
    assert z.shape == (2, 3)
    assert np.array_equal(np.asarray(mg.normal(mg.zeros(3), mg.zeros(3))), np.zeros(3))


def test_normal_is_seeded_and_takes_a_generator():
    mg.manual_seed(3)
    a = mg.normal(0.0, 1.0, size=(5,))
    mg.manual_seed(3)
    b = mg.normal(0.0, 1.0, size=(5,))
    assert np.array_equal(np.asarray(a), np.asarray(b))
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    c = mg.normal(mg.zeros(5), 1.0, generator=g1)
    d = mg.normal(mg.zeros(5), 1.0, generator=g2)
    assert np.array_equal(np.asarray(c), np.asarray(d))


def test_normal_errors():
    with pytest.raises(RuntimeError, match="std >= 0"):
        mg.normal(0.0, -1.0, size=(2,))
    with pytest.raises(RuntimeError, match="std >= 0"):
        mg.normal(mg.zeros(2), mg.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="give size"):
        mg.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="floating"):
        mg.normal(mg.zeros(2, dtype=mg.int64), 1.0)
    with pytest.raises(TypeError, match="go with float mean and std"):
        mg.normal(mg.zeros(2), 1.0, size=(2,))
    with pytest.raises(TypeError, match="go with float mean and std"):
        mg.normal(mg.zeros(2), 1.0, dtype=mg.float64)
    with pytest.raises(RuntimeError, match="don't broadcast"):
        mg.normal(mg.zeros(2, 3), mg.ones(3, 2))


def test_normal_gradient_is_zero_as_torch():
    mean = mg.zeros(3, requires_grad=True)
    std = mg.ones(1, requires_grad=True)
    y = mg.normal(mean, std)
    assert y.requires_grad
    y.sum().backward()
    assert np.array_equal(np.asarray(mean.grad), np.zeros(3))
    assert np.array_equal(np.asarray(std.grad), np.zeros(1))


@pytest.mark.needs_torch
def test_normal_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    m = torch.zeros(3, requires_grad=True)
    torch.normal(m, 1.0).sum().backward()
    assert torch.equal(m.grad, torch.zeros(3))
    assert torch.normal(2, 3, (2,)).dtype == torch.float32  # float mean/std: default dtype


# ----------------------------------------------------------------- t, mm, *_as
def test_t_follows_torch_rule():
    assert mg.tensor(3.0).t().shape == ()
    v = mg.arange(3.0)
    assert v.t() is v
    m = mg.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(m.t()), np.asarray(m).T)
    np.testing.assert_array_equal(np.asarray(mg.t(m)), np.asarray(m).T)
    with pytest.raises(RuntimeError, match="<= 2 dimensions.*3"):
        mg.zeros(2, 3, 4).t()


def test_t_and_mm_gradients():
    a = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    b = mg.randn(4, 2, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda x: x.t(), [a])
    assert gradcheck(lambda x, y: x.mm(y), [a, b])
    assert gradcheck(mg.mm, [a, b])


def test_mm_needs_matrices():
    a, b = mg.ones(2, 3), mg.ones(3, 4)
    np.testing.assert_array_equal(np.asarray(a.mm(b)), np.full((2, 4), 3.0))
    with pytest.raises(ValueError, match="mm: needs two 2-D tensors.*\\(3,\\)"):
        a.mm(mg.ones(3))
    with pytest.raises(ValueError, match="mm"):
        mg.mm(mg.ones(2, 2, 3), b)


def test_view_as_reshape_as_expand_as():
    x = mg.arange(6.0, requires_grad=True)
    other = mg.zeros(2, 3)
    assert x.view_as(other).shape == (2, 3) and x.reshape_as(other).shape == (2, 3)
    x.view_as(other).sum().backward()
    assert x.grad is not None and x.grad.shape == (6,)
    assert mg.ones(3, 1).expand_as(mg.zeros(3, 4)).shape == (3, 4)
    with pytest.raises(ValueError):
        x.view_as(mg.zeros(4))


# ------------------------------------------------------------- keyword names
def test_torch_keyword_names():
    a, b = mg.ones(2, 3), mg.ones(3, 2)
    assert mg.matmul(input=a, other=b).shape == (2, 2)
    assert mg.mm(input=a, mat2=b).shape == (2, 2)
    assert mg.dot(input=mg.ones(3), tensor=mg.ones(3)).item() == 3
    assert mg.sum(input=a, dim=1, keepdim=True).shape == (2, 1)
    assert mg.mean(input=a, dim=0).shape == (3,)
    assert mg.max(input=a, dim=1).values.shape == (2,)
    assert mg.argmax(input=a, dim=1, keepdim=True).shape == (2, 1)
    assert mg.softmax(input=a, dim=1).shape == (2, 3)
    assert mg.log_softmax(input=a, dim=-1).shape == (2, 3)
    assert mg.transpose(input=a, dim0=0, dim1=1).shape == (3, 2)
    assert mg.flatten(input=a).shape == (6,)
    assert mg.unsqueeze(input=a, dim=0).shape == (1, 2, 3)
    assert mg.squeeze(input=mg.ones(1, 2)).shape == (2,)
    assert mg.clamp(input=a, min=0.5).shape == (2, 3)
    assert mg.chunk(input=a, chunks=3, dim=1)[0].shape == (2, 1)
    assert mg.split(tensor=a, split_size_or_sections=1)[0].shape == (1, 3)
    assert mg.std(input=a, dim=1).shape == (2,) and mg.var(input=a).shape == ()
    assert mg.logsumexp(input=a, dim=1).shape == (2,)
    assert mg.exp(input=a).shape == (2, 3)
    assert mg.add(input=a, other=a, alpha=2).sum().item() == 18
    assert mg.sub(a, a, alpha=0.5).sum().item() == 3
    assert mg.mul(input=a, other=2).sum().item() == 12
    assert mg.div(input=a, other=2).sum().item() == 3
    assert mg.pow(input=a, exponent=2).sum().item() == 6
    assert mg.maximum(input=a, other=mg.zeros(2, 3)).shape == (2, 3)


@pytest.mark.needs_torch
def test_keyword_calls_run_on_torch_too():
    # The same keyword calls as above, on torch: our names are torch's.
    torch = pytest.importorskip("torch")
    a, b = torch.ones(2, 3), torch.ones(3, 2)
    torch.matmul(input=a, other=b)
    torch.mm(input=a, mat2=b)
    torch.dot(input=torch.ones(3), tensor=torch.ones(3))
    torch.sum(input=a, dim=1, keepdim=True)
    torch.max(input=a, dim=1)
    torch.softmax(input=a, dim=1)
    torch.transpose(input=a, dim0=0, dim1=1)
    torch.clamp(input=a, min=0.5)
    torch.chunk(input=a, chunks=3, dim=1)
    torch.split(tensor=a, split_size_or_sections=1)
    assert torch.add(input=a, other=a, alpha=2).sum().item() == 18
    torch.pow(input=a, exponent=2)
    torch.maximum(input=a, other=torch.zeros(2, 3))


# ------------------------------------------------------------------ formatting
def test_format_one_element_tensors():
    loss = mg.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and format(loss, ">7f") == "0.123456"
    assert f"{mg.tensor([2.5]):.1f}" == "2.5" and f"{mg.tensor([[7]]):>3d}" == "  7"
    assert f"{mg.tensor(3)}" == "3" and f"{mg.tensor(0.5)}" == "0.5"  # 0-d: the value
    assert f"{mg.tensor([3])}" == str(mg.tensor([3])) == "tensor([3])"
    assert f"{mg.tensor([1.0, 2.0])}" == str(mg.tensor([1.0, 2.0]))
    p = mg.nn.Parameter(mg.tensor(1.5))
    assert f"{p:.2f}" == "1.50"


def test_format_spec_on_a_bigger_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="unsupported format string passed to "
                                        "Tensor.__format__"):
        f"{mg.tensor([1.0, 2.0]):.4f}"  # noqa: B018


@given(tensors(shape=()), st.sampled_from([".4f", ">7f", ".3e", "g", "+.2f", "10.1f"]))
def test_format_is_the_values_format(t, spec):
    assert format(t, spec) == format(t.item(), spec)


@pytest.mark.needs_torch
def test_format_matches_torch():
    torch = pytest.importorskip("torch")
    for value in (0.5, -3.25, 1e-7, 123456.789):
        for spec in (".4f", ">7f", ".2e", "", "g"):
            assert format(mg.tensor(value), spec) == format(torch.tensor(value), spec)
    with pytest.raises(TypeError, match="unsupported format string"):
        format(torch.tensor([1.0, 2.0]), ".2f")
    assert f"{mg.tensor([1.0, 2.0])}" == f"{torch.tensor([1.0, 2.0])}"
