"""Conv1d / Conv2d and F.conv1d / F.conv2d: gradients (first and second) over
hypothesis-drawn geometries, parity with torch, torch's init and state dict, errors."""

import gc
import math
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck


def t64(a, requires_grad=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@st.composite
def conv_cases(draw, dims=2, max_batch=2, max_side=3):
    """A small convolution: (x, weight, bias arrays, keyword arguments)."""
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    # sizes from just fitting the dilated kernel up to max_side more
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p + draw(st.integers(0, max_side)))
                 for k, d, p in zip(kernel, dilation, padding))
    n = draw(st.integers(1, max_batch))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c_in, *size))
    w = rng.standard_normal((c_out, c_in // groups, *kernel))
    b = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, w, b, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def _inputs(x, w, b):
    return [t64(x), t64(w)] + ([t64(b)] if b is not None else [])


def _fn(conv, kwargs, has_bias):
    if has_bias:
        return lambda x, w, b: conv(x, w, b, **kwargs)
    return lambda x, w: conv(x, w, None, **kwargs)


# --------------------------------------------------------------- gradients
@given(conv_cases(dims=2))
def test_conv2d_gradcheck(case):
    x, w, b, kwargs = case
    assert gradcheck(_fn(F.conv2d, kwargs, b is not None), _inputs(x, w, b))


@settings(max_examples=10)
@given(conv_cases(dims=2, max_batch=1, max_side=2))
def test_conv2d_gradgradcheck(case):
    x, w, b, kwargs = case
    assert gradgradcheck(_fn(F.conv2d, kwargs, b is not None), _inputs(x, w, b))


@given(conv_cases(dims=1))
def test_conv1d_gradcheck_and_gradgradcheck(case):
    x, w, b, kwargs = case
    fn = _fn(F.conv1d, kwargs, b is not None)
    assert gradcheck(fn, _inputs(x, w, b))
    assert gradgradcheck(fn, _inputs(x, w, b))


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_string_padding_gradients(padding):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 5, 4)), rng.standard_normal((3, 2, 2, 3))
    fn = lambda x, w: F.conv2d(x, w, padding=padding, dilation=(2, 1))  # noqa: E731
    assert gradcheck(fn, [t64(x), t64(w)]) and gradgradcheck(fn, [t64(x), t64(w)])


def test_second_derivative_of_a_layer_gradient_penalty():
    """create_graph through Conv2d: the gradient of |d out / d x|^2 w.r.t. the weight."""
    conv = nn.Conv2d(2, 3, 3, padding=1, dtype=mg.float64)
    x = t64(np.random.default_rng(1).standard_normal((2, 2, 5, 5)))
    (gx,) = mg.autograd.grad(conv(x).tanh().sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    assert conv.weight.grad is not None and conv.bias.grad is not None
    assert np.abs(np.asarray(conv.weight.grad)).sum() > 0


# ----------------------------------------------------------------- values
def test_conv2d_known_values():
    x = mg.arange(16.0).reshape(1, 1, 4, 4)
    w = mg.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])
    y = F.conv2d(x, w)  # x[i, j] - x[i+1, j+1] = -5 everywhere
    np.testing.assert_array_equal(np.asarray(y), np.full((1, 1, 3, 3), -5.0))
    y = F.conv2d(x, w, stride=2, padding=1)
    assert y.shape == (1, 1, 3, 3)


def test_unbatched_input_equals_batch_of_one():
    rng = np.random.default_rng(2)
    conv2 = nn.Conv2d(3, 4, 3, stride=2, padding=1, dtype=mg.float64)
    x = rng.standard_normal((3, 7, 6))
    np.testing.assert_allclose(np.asarray(conv2(t64(x, False))),
                               np.asarray(conv2(t64(x[None], False)))[0])
    conv1 = nn.Conv1d(3, 4, 3, padding="same", dtype=mg.float64)
    x1 = t64(rng.standard_normal((3, 9)))
    y1 = conv1(x1)
    assert y1.shape == (4, 9)
    y1.sum().backward()
    assert x1.grad is not None and x1.grad.shape == (3, 9)


def test_layer_shapes_dtype_and_init():
    conv = nn.Conv2d(6, 8, (3, 5), groups=2)
    assert conv.weight.shape == (8, 3, 3, 5) and conv.bias.shape == (8,)
    assert conv.weight.dtype == np.float32
    bound = 1 / math.sqrt(3 * 3 * 5)  # kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), ..)
    for p in (conv.weight, conv.bias):
        values = np.asarray(p.detach())
        assert np.abs(values).max() <= bound
    big = nn.Conv2d(64, 64, 3)  # many draws: the spread of U(-b, b) is b / sqrt(3)
    b = 1 / math.sqrt(64 * 9)
    assert np.asarray(big.weight.detach()).std() == pytest.approx(b / math.sqrt(3), rel=0.02)
    assert nn.Conv1d(2, 3, 4, bias=False).bias is None
    assert nn.Conv2d(1, 1, 3, device="cpu").weight.shape == (1, 1, 3, 3)  # torch's keyword
    with pytest.raises(RuntimeError, match="'cuda' is not available"):
        nn.Conv2d(1, 1, 3, device="cuda")


def test_conv_buffers_freed_after_backward():
    """The columns im2col made for the weight gradient die with backward."""
    conv = nn.Conv2d(2, 4, 3)
    y = conv(mg.randn(2, 2, 6, 6))
    cols = [s for s in y.grad_fn._saved if isinstance(s, np.ndarray)]
    assert cols and cols[0].shape[-1] == 2 * 4 * 4
    ref = weakref.ref(cols[0])
    del cols
    y.sum().backward()
    gc.collect()
    assert ref() is None


def test_repr_matches_torch_style():
    assert repr(nn.Conv2d(1, 16, 3, padding=1)) == \
        "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Conv1d(4, 8, 5, stride=2, groups=2, bias=False)) == \
        "Conv1d(4, 8, kernel_size=(5,), stride=(2,), groups=2, bias=False)"


# ---------------------------------------------------------------- errors
def test_wrong_channel_count_names_the_layer():
    conv = nn.Conv2d(1, 16, 3)
    with pytest.raises(ValueError, match=r"Conv2d\(1, 16.*expected 1 input channel, got 3"):
        conv(mg.zeros(4, 3, 28, 28))
    with pytest.raises(ValueError, match="conv2d: expected 4 input channels, got 2"):
        F.conv2d(mg.zeros(1, 2, 5, 5), mg.zeros(4, 2, 3, 3), groups=2)


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel size \(5, 5\).*larger than the padded input"):
        nn.Conv2d(1, 1, 5, padding=1)(mg.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv1d(mg.zeros(1, 1, 4), mg.zeros(1, 1, 3), dilation=2)


def test_groups_must_divide_channels():
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups"):
        F.conv2d(mg.zeros(1, 4, 5, 5), mg.zeros(3, 2, 3, 3), groups=2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="padding must be non-negative"):
        nn.Conv2d(1, 1, 3, padding=-1)
    with pytest.raises(ValueError, match="stride must be positive"):
        F.conv2d(mg.zeros(1, 1, 5, 5), mg.zeros(1, 1, 3, 3), stride=0)
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be an int, a tuple, 'valid' or 'same'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of 2 ints"):
        nn.Conv2d(1, 1, (3, 3, 3))
    with pytest.raises(ValueError, match="bias must have shape"):
        F.conv2d(mg.zeros(1, 1, 5, 5), mg.zeros(2, 1, 3, 3), mg.zeros(3))


def test_wrong_ndim():
    with pytest.raises(ValueError, match=r"Conv2d.*expected a 3-D \(C, H, W\) or 4-D .*got a "
                                         r"5-D input of shape \(1, 1, 1, 5, 5\)"):
        nn.Conv2d(1, 1, 3)(mg.zeros(1, 1, 1, 5, 5))
    with pytest.raises(ValueError, match=r"conv1d: expected a 2-D \(C, L\) or 3-D"):
        F.conv1d(mg.zeros(1, 1, 5, 5), mg.zeros(1, 1, 3))
    with pytest.raises(TypeError, match="same dtype"):
        F.conv2d(mg.zeros(1, 1, 5, 5, dtype=mg.float64), mg.zeros(1, 1, 3, 3))


# ------------------------------------------------------------------ torch
@pytest.mark.needs_torch
@given(case=conv_cases(dims=2, max_batch=3, max_side=4), unbatched=st.booleans())
def test_conv2d_matches_torch(case, unbatched):
    _compare_with_torch(*case, dims=2, unbatched=unbatched)


@pytest.mark.needs_torch
@given(case=conv_cases(dims=1, max_batch=3, max_side=4), unbatched=st.booleans())
def test_conv1d_matches_torch(case, unbatched):
    _compare_with_torch(*case, dims=1, unbatched=unbatched)


@pytest.mark.needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own copy
@pytest.mark.parametrize("kernel,dilation", [(2, 1), (4, 1), (3, 2), ((2, 3), (3, 1))])
def test_same_padding_matches_torch(kernel, dilation):
    rng = np.random.default_rng(3)
    k = (kernel, kernel) if isinstance(kernel, int) else kernel
    x, w = rng.standard_normal((2, 2, 7, 6)), rng.standard_normal((3, 2, *k))
    _compare_with_torch(x, w, None, dict(padding="same", dilation=dilation), dims=2)


def _compare_with_torch(x, w, b, kwargs, dims, unbatched=False):
    torch = pytest.importorskip("torch")
    if unbatched:
        x = x[0]
    mg_conv, th_conv = (F.conv2d, torch.nn.functional.conv2d) if dims == 2 else \
        (F.conv1d, torch.nn.functional.conv1d)
    arrays = [x, w] + ([b] if b is not None else [])
    ms = [t64(a) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = mg_conv(ms[0], ms[1], ms[2] if b is not None else None, **kwargs)
    yt = th_conv(ts[0], ts[1], ts[2] if b is not None else None, **kwargs)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(np.asarray(y.detach()), yt.detach().numpy(), atol=1e-7)
    up = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(mg.tensor(up))
    yt.backward(torch.tensor(up))
    for m, t in zip(ms, ts):
        np.testing.assert_allclose(np.asarray(m.grad), t.grad.numpy(), atol=1e-7)


@pytest.mark.needs_torch
def test_second_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2))
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    xm, wm = t64(x), t64(w)
    (gx,) = mg.autograd.grad(F.conv2d(xm, wm, **kw).sin().sum(), xm, create_graph=True)
    (gx * gx).sum().backward()
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    (gxt,) = torch.autograd.grad(torch.nn.functional.conv2d(xt, wt, **kw).sin().sum(), xt,
                                 create_graph=True)
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(np.asarray(xm.grad), xt.grad.numpy(), atol=1e-7)
    np.testing.assert_allclose(np.asarray(wm.grad), wt.grad.numpy(), atol=1e-7)


@pytest.mark.needs_torch
@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d"])
def test_state_dict_moves_between_torch_and_minigrad(cls):
    torch = pytest.importorskip("torch")
    args = (4, 6, 3)
    kwargs = dict(stride=2, padding=1, groups=2)
    ours = getattr(nn, cls)(*args, **kwargs, dtype=mg.float64)
    theirs = getattr(torch.nn, cls)(*args, **kwargs, dtype=torch.float64)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd) == ["weight", "bias"]
    for key in theirs_sd:
        assert tuple(ours_sd[key].shape) == tuple(theirs_sd[key].shape)
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs_sd.items()})
    x = np.random.default_rng(5).standard_normal((2, 4) + (9,) * (1 if cls == "Conv1d" else 2))
    np.testing.assert_allclose(np.asarray(ours(t64(x, False))),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-7)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours_sd.items()})
    np.testing.assert_allclose(np.asarray(ours(t64(x, False))),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-7)
