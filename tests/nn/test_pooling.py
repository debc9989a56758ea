"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and their functional forms: gradients (first
and second) over hypothesis-drawn geometries, parity with torch (ties, NaN, ceil_mode,
indices), errors."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck


def t64(a, requires_grad=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@st.composite
def pool_cases(draw, dilation=True, max_side=3):
    """(input shape, keyword arguments) of a small valid 2-D pool."""
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dil = tuple(draw(st.integers(1, 2)) for _ in range(2)) if dilation else (1, 1)
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p + draw(st.integers(0, max_side)))
                 for k, d, p in zip(kernel, dil, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size)
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding,
                  ceil_mode=draw(st.booleans()))
    if dilation:
        kwargs["dilation"] = dil
    return shape, kwargs


def distinct(shape, seed=0):
    """Values far apart (a shuffled grid): central differences never cross a tie."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 0.1


def _no_window_all_padding(shape, kwargs):
    """A dilated window can hold padding only: its max is -inf (torch's too, with an
    index outside the plane), and there is no gradient to check."""
    out = F.max_pool2d(mg.zeros(*shape, dtype=mg.float64), **kwargs)
    return bool(np.isfinite(np.asarray(out)).all())


# -------------------------------------------------------------- gradients
@given(pool_cases(), st.integers(0, 100))
def test_max_pool_gradcheck_and_gradgradcheck(case, seed):
    shape, kwargs = case
    fn = lambda x: F.max_pool2d(x, **kwargs)  # noqa: E731
    assume(_no_window_all_padding(shape, kwargs))
    assert gradcheck(fn, [t64(distinct(shape, seed))])
    assert gradgradcheck(fn, [t64(distinct(shape, seed))])


@settings(max_examples=30)
@given(pool_cases(dilation=False), st.booleans(), st.sampled_from([None, 1, 3]))
def test_avg_pool_gradcheck_and_gradgradcheck(case, include_pad, divisor):
    shape, kwargs = case
    fn = lambda x: F.avg_pool2d(x, **kwargs, count_include_pad=include_pad,  # noqa: E731
                                divisor_override=divisor)
    x = np.random.default_rng(0).standard_normal(shape)
    assert gradcheck(fn, [t64(x)]) and gradgradcheck(fn, [t64(x)])


@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 4))
def test_adaptive_avg_pool_gradcheck_and_gradgradcheck(h, w, oh, ow):
    x = np.random.default_rng(0).standard_normal((2, 1, h, w))
    fn = lambda x: F.adaptive_avg_pool2d(x, (oh, ow))  # noqa: E731
    assert gradcheck(fn, [t64(x)]) and gradgradcheck(fn, [t64(x)])


# ----------------------------------------------------------------- values
def test_max_pool_gradient_goes_to_the_first_maximum():
    x = t64(np.ones((1, 1, 2, 2)))
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_overlapping_windows_add_their_gradients():
    x = t64([[[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]])
    F.max_pool2d(x, 2, stride=1).sum().backward()  # the 9 wins all four windows
    assert np.asarray(x.grad)[0, 0, 1, 1] == 4.0 and np.asarray(x.grad).sum() == 4.0


def test_unbatched_and_layers():
    x = np.random.default_rng(1).standard_normal((3, 6, 5))
    for layer in (nn.MaxPool2d(2), nn.AvgPool2d(3, stride=2, padding=1),
                  nn.AdaptiveAvgPool2d((2, None))):
        batched = np.asarray(layer(t64(x[None], False)))
        np.testing.assert_allclose(np.asarray(layer(t64(x, False))), batched[0])
    out, idx = nn.MaxPool2d(2, return_indices=True)(t64(x, False))
    assert out.shape == idx.shape == (3, 3, 2) and idx.dtype == np.int64


def test_max_pool_float32_and_gradient_dtype():
    x = mg.randn(2, 3, 8, 8, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.dtype == np.float32 and np.asarray(x.grad).sum() == 2 * 3 * 16


def test_reprs_match_torch():
    assert repr(nn.MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(3, 2)) == "AvgPool2d(kernel_size=3, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"


# ----------------------------------------------------------------- errors
def test_pool_errors_name_the_layer_and_the_problem():
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=2.*expected a 3-D \(C, H, W\)"
                                         r" or 4-D .*got a 5-D input"):
        nn.MaxPool2d(2)(mg.zeros(1, 1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"padding \(2, 2\) must be at most half the kernel"):
        F.max_pool2d(mg.zeros(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ValueError, match="padding must be non-negative"):
        F.avg_pool2d(mg.zeros(1, 1, 8, 8), 3, padding=-1)
    with pytest.raises(ValueError, match=r"input of size \(2, 2\) is too small for "
                                         r"kernel_size \(3, 3\)"):
        nn.AvgPool2d(3)(mg.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match="stride must be positive"):
        F.max_pool2d(mg.zeros(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool2d.*expected a 3-D"):
        nn.AdaptiveAvgPool2d(1)(mg.zeros(4, 4))
    with pytest.raises(ValueError, match="output_size must be positive"):
        F.adaptive_avg_pool2d(mg.zeros(1, 4, 4), 0)
    with pytest.raises(TypeError, match="floating point"):
        F.max_pool2d(mg.zeros(1, 4, 4, dtype=mg.int64), 2)


# ------------------------------------------------------------------ torch
@pytest.mark.needs_torch
@given(pool_cases(max_side=4), st.booleans(), st.integers(0, 100))
def test_max_pool_matches_torch_with_ties_and_indices(case, ties, seed):
    """Integer-valued inputs tie often: the gradient and the index go to the same element
    of the window as torch's."""
    torch = pytest.importorskip("torch")
    shape, kwargs = case
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
    assume(_no_window_all_padding(shape, kwargs))
    _compare(lambda x: F.max_pool2d(x, **kwargs, return_indices=True),
             lambda x: torch.nn.functional.max_pool2d(x, **kwargs, return_indices=True), x)


@pytest.mark.needs_torch
def test_max_pool_nan_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 2, 5, 5))
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[1, 1, 2, 3] = np.nan
    _compare(lambda x: F.max_pool2d(x, 2, return_indices=True),
             lambda x: torch.nn.functional.max_pool2d(x, 2, return_indices=True), x)


@pytest.mark.needs_torch
@given(pool_cases(dilation=False, max_side=4), st.booleans(), st.sampled_from([None, 2]),
       st.booleans())
def test_avg_pool_matches_torch(case, include_pad, divisor, unbatched):
    torch = pytest.importorskip("torch")
    shape, kwargs = case
    kwargs.update(count_include_pad=include_pad, divisor_override=divisor)
    x = np.random.default_rng(0).standard_normal(shape)
    _compare(lambda x: F.avg_pool2d(x, **kwargs),
             lambda x: torch.nn.functional.avg_pool2d(x, **kwargs), x[0] if unbatched else x)


@pytest.mark.needs_torch
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 5),
       st.one_of(st.none(), st.integers(1, 5)))
def test_adaptive_avg_pool_matches_torch(h, w, oh, ow):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, h, w))
    _compare(lambda x: F.adaptive_avg_pool2d(x, (oh, ow)),
             lambda x: torch.nn.functional.adaptive_avg_pool2d(x, (oh, ow)), x)


def _compare(mg_fn, torch_fn, x):
    torch = pytest.importorskip("torch")
    xm, xt = t64(x), torch.tensor(x, requires_grad=True)
    y, yt = mg_fn(xm), torch_fn(xt)
    if isinstance(y, tuple):
        np.testing.assert_array_equal(np.asarray(y[1]), yt[1].numpy())
        y, yt = y[0], yt[0]
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(np.asarray(y.detach()), yt.detach().numpy(), atol=1e-7)
    up = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(mg.tensor(up))
    yt.backward(torch.tensor(up))
    np.testing.assert_allclose(np.asarray(xm.grad), xt.grad.numpy(), atol=1e-7)
