"""Every differentiable op, one ``op_test`` line each (see ``minigrad.testing.factory``).

Each line checks forward values against numpy (or torch, where numpy's semantics differ),
gradients and second derivatives against finite differences, grads not aliasing, inputs
untouched, and the graph freed after backward. Casts, which ``op_test`` cannot see (it
works in float64 throughout), are checked by hand at the end.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.testing.factory import away_from, finite, nonzero, op_test, positive
from minigrad.testing.strategies import dims, finite_floats, index_expressions

needs_torch = pytest.mark.needs_torch


def arrays(shape, elements=finite):
    return hnp.arrays(np.float64, shape, elements=elements)


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=3):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def with_dims(**options):
    """kwargs strategy: a valid ``dim`` for the first argument, and ``keepdim``."""
    return lambda x, *rest: st.fixed_dictionaries(
        {"dim": dims(x.shape, **options), "keepdim": st.booleans()})


def via_torch(name, *args, **kwargs):
    """A reference computed by torch, for ops whose numpy cousin behaves differently.

    Tests using it are marked ``needs_torch``: README's test command installs no torch,
    so they skip without it (conftest.py)."""
    def reference(x, *more, **kw):
        import torch

        more = [m for m in more if m is not None]  # torch's squeeze() has no dim=None
        out = getattr(torch.from_numpy(x), name)(*more, *args, **kw, **kwargs)
        return tuple(t.numpy() for t in out) if isinstance(out, tuple) else out.numpy()
    return reference


# ---------------------------------------------------------------------- arithmetic
test_add = op_test(lambda a, b: a + b, np.add, num_args=2, frees_graph=False)
test_sub = op_test(lambda a, b: a - b, np.subtract, num_args=2, frees_graph=False)
test_mul = op_test(lambda a, b: a * b, np.multiply, num_args=2)
test_div = op_test(lambda a, b: a / b, np.divide, num_args=2, elements=[finite, nonzero])
bases, exponents = finite_floats(0.5, 4.0), finite_floats(-3.0, 3.0)  # a**b stays moderate
test_pow = op_test(lambda a, b: a ** b, np.power, num_args=2, elements=[bases, exponents])
test_neg = op_test(lambda x: -x, np.negative, frees_graph=False)

test_add_scalar = op_test(lambda x: x + 1.5, lambda x: x + 1.5, frees_graph=False)
test_radd_scalar = op_test(lambda x: 1.5 + x, lambda x: 1.5 + x, frees_graph=False)
test_sub_scalar = op_test(lambda x: x - 2.0, lambda x: x - 2.0, frees_graph=False)
test_rsub_scalar = op_test(lambda x: 2.0 - x, lambda x: 2.0 - x, frees_graph=False)
test_mul_scalar = op_test(lambda x: x * -3.0, lambda x: x * -3.0)
test_rmul_scalar = op_test(lambda x: -3.0 * x, lambda x: -3.0 * x)
test_div_scalar = op_test(lambda x: x / 4.0, lambda x: x / 4.0)
test_rdiv_scalar = op_test(lambda x: 4.0 / x, lambda x: 4.0 / x, elements=nonzero)
test_pow_int = op_test(lambda x: x ** 3, lambda x: x ** 3)
test_pow_small_int = op_test(lambda x, p: x ** p, lambda x, p: x ** p, inputs=st.tuples(
    arrays(shapes()), st.integers(0, 3)))  # x ** 0 at x == 0 has gradient 0, not nan
test_pow_int_array = op_test(lambda x, p: x ** p, np.power, inputs=shapes().flatmap(
    lambda s: st.tuples(arrays(s, st.sampled_from([0.0, 1.5, -2.0])),
                        hnp.arrays(np.int64, s, elements=st.integers(0, 3)))))
test_pow_negative_int = op_test(lambda x: x ** -2, lambda x: x ** -2.0, elements=nonzero)
test_pow_scalar = op_test(lambda x, p: x ** p, lambda x, p: x ** p, inputs=st.tuples(
    arrays(shapes(), positive), st.floats(-3, 3)))
test_rpow_scalar = op_test(lambda x, b: b ** x, lambda x, b: b ** x, inputs=st.tuples(
    arrays(shapes()), st.floats(0.2, 4)))
test_module_pow = op_test(mg.pow, np.power, num_args=2, elements=[bases, exponents])

# ---------------------------------------------------------------------- elementwise
test_exp = op_test(mg.exp, np.exp)
test_log = op_test(mg.log, np.log, elements=positive)
test_sqrt = op_test(mg.sqrt, np.sqrt, elements=positive)
test_abs = op_test(mg.abs, np.abs, elements=away_from(0.0))
test_sin = op_test(mg.sin, np.sin)
test_cos = op_test(mg.cos, np.cos)
test_sigmoid = op_test(mg.sigmoid, lambda x: 1 / (1 + np.exp(-x)))
test_tanh = op_test(mg.tanh, np.tanh)
test_relu = op_test(mg.relu, lambda x: np.maximum(x, 0), elements=away_from(0.0))
test_leaky_relu = op_test(lambda x, s: x.leaky_relu(s), lambda x, s: np.where(x > 0, x, s * x),
                          inputs=st.tuples(arrays(shapes(), away_from(0.0)), st.floats(0, 1)))
test_clamp = op_test(lambda x: x.clamp(-1.0, 2.0), lambda x: np.clip(x, -1.0, 2.0),
                     elements=away_from(-1.0, 2.0))
test_clamp_min = op_test(lambda x: mg.clamp(x, min=0.5), lambda x: np.maximum(x, 0.5),
                         elements=away_from(0.5))
test_clamp_max = op_test(lambda x: mg.clip(x, max=0.5), lambda x: np.minimum(x, 0.5),
                         elements=away_from(0.5))
test_maximum = op_test(mg.maximum, np.maximum, num_args=2, distinct=True)
test_minimum = op_test(mg.minimum, np.minimum, num_args=2, distinct=True)
test_where = op_test(mg.where, np.where, inputs=hnp.mutually_broadcastable_shapes(
    num_shapes=3, max_dims=3, max_side=3).flatmap(lambda s: st.tuples(
        hnp.arrays(np.bool_, s.input_shapes[0]), arrays(s.input_shapes[1]),
        arrays(s.input_shapes[2]))))

# ---------------------------------------------------------------------- reductions
test_sum = op_test(lambda x, **kw: x.sum(**kw), lambda x, dim, keepdim: np.sum(
    x, axis=dim, keepdims=keepdim), kwargs=with_dims(), frees_graph=False)
test_mean = op_test(mg.mean, lambda x, dim, keepdim: np.mean(x, axis=dim, keepdims=keepdim),
                    kwargs=with_dims(), frees_graph=False)
# At least two elements per reduced slice (var divides by N - 1), all distinct (std's
# sqrt has a kink at zero variance).
test_var = op_test(mg.var, lambda x, dim, keepdim, correction: np.var(
    x, axis=dim, keepdims=keepdim, ddof=correction), distinct=True,
    shapes=shapes(min_dims=1, max_dims=2, min_side=2).map(lambda s: (s,)),
    kwargs=lambda x: st.fixed_dictionaries({"dim": dims(x.shape), "keepdim": st.booleans(),
                                            "correction": st.sampled_from([0, 1])}))
test_std = op_test(mg.std, lambda x, dim, keepdim: np.std(
    x, axis=dim, keepdims=keepdim, ddof=1), distinct=True,
    shapes=shapes(min_dims=1, max_dims=2, min_side=2).map(lambda s: (s,)), kwargs=with_dims())
test_amax = op_test(mg.amax, lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
                    kwargs=with_dims(), distinct=True)
test_amin = op_test(mg.amin, lambda x, dim, keepdim: np.min(x, axis=dim, keepdims=keepdim),
                    kwargs=with_dims(), distinct=True)
test_logsumexp = op_test(mg.logsumexp, lambda x, dim, keepdim: np.log(
    np.sum(np.exp(x), axis=dim, keepdims=keepdim)), kwargs=with_dims())
test_max_all = op_test(lambda x: x.max(), np.max, distinct=True)
test_min_all = op_test(lambda x: x.min(), np.min, distinct=True)
test_max_dim = op_test(mg.max, lambda x, dim, keepdim: (
    np.max(x, axis=dim, keepdims=keepdim), np.argmax(x, axis=dim, keepdims=keepdim)),
    kwargs=with_dims(none=False, tuples=False), min_dims=1, distinct=True)
test_min_dim = op_test(mg.min, lambda x, dim, keepdim: (
    np.min(x, axis=dim, keepdims=keepdim), np.argmin(x, axis=dim, keepdims=keepdim)),
    kwargs=with_dims(none=False, tuples=False), min_dims=1, distinct=True)

# ---------------------------------------------------------------------- linalg
# numpy's own gufunc signature for matmul, "(n?,k),(k,m?)->(n?,m?)", covers 1-D operands,
# matrices and batches whose batch dims broadcast.
test_matmul = op_test(lambda a, b: a @ b, np.matmul, inputs=hnp.mutually_broadcastable_shapes(
    signature=np.matmul.signature, max_dims=2, max_side=2).flatmap(
        lambda s: st.tuples(*map(arrays, s.input_shapes))))
test_module_matmul = op_test(mg.matmul, np.matmul, shapes=st.integers(1, 3).flatmap(
    lambda k: st.tuples(shapes(2, 2), st.just(k)).map(lambda sk: ((sk[0][0], k), (k,)))))
test_dot = op_test(mg.dot, np.dot, shapes=st.integers(1, 4).map(lambda n: ((n,), (n,))))

# ---------------------------------------------------------------------- shape


@st.composite
def array_and(draw, *more, shape=None, elements=finite):
    """An array ``x``, then one value from each ``more(x.shape)``: ``(x, *values)``."""
    x = draw(arrays(shapes() if shape is None else shape, elements))
    return (x, *(draw(m(x.shape)) for m in more))


def dim_of(shape, extra=0):
    """An int dim of ``shape`` (``extra=1``: of the shape with one more dim, as unsqueeze)."""
    return st.integers(-len(shape) - extra, len(shape) - 1 + extra)


def reshape_targets(shape):
    """Shapes with as many elements as ``shape``, some with a -1."""
    size = int(np.prod(shape))
    options = [(size,), (-1,), shape[::-1], (1, *shape, 1), (*shape[:-1], -1) if shape else ()]
    return st.sampled_from(options)


def expand_targets(shape):
    """Shapes ``shape`` broadcasts to (numpy's broadcast result with a random partner)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=1, base_shape=shape, max_side=3) \
        .map(lambda b: b.result_shape)


def flatten_dims(x):
    """kwargs: ``start_dim`` and ``end_dim`` (possibly negative), start not after end."""
    pair = st.lists(dim_of(x.shape), min_size=2, max_size=2)
    return pair.map(lambda ds: dict(zip(("start_dim", "end_dim"),
                                        sorted(ds, key=lambda d: d % x.ndim))))


def flatten_ref(x, start_dim, end_dim):
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])


@st.composite
def cat_args(draw):
    """``(*arrays, dim)``: 1-3 arrays equal in shape except along ``dim``."""
    shape = draw(shapes(min_dims=1, max_dims=2))
    dim = draw(dim_of(shape))
    d = dim % len(shape)
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    return (*(draw(arrays(shape[:d] + (k,) + shape[d + 1:])) for k in sizes), dim)


@st.composite
def stack_args(draw):
    """``(*arrays, dim)``: 1-3 arrays of one shape and a dim of the stacked result."""
    shape = draw(shapes(max_dims=2))
    n = draw(st.integers(1, 3))
    return (*(draw(arrays(shape)) for _ in range(n)), draw(dim_of(shape, extra=1)))


@st.composite
def split_args(draw, how):
    """``(x, how(size of dim), dim)`` for split and chunk."""
    x = draw(arrays(shapes(min_dims=1)))
    dim = draw(dim_of(x.shape))
    return x, draw(how(x.shape[dim])), dim


def sections(n):
    """Lists of non-negative sizes adding up to ``n`` (cut points drawn, then sorted)."""
    return st.lists(st.integers(0, n), max_size=2).map(
        lambda cuts: np.diff([0, *sorted(cuts), n]).tolist())


def positive_ints(n):
    return st.integers(1, 4)


test_reshape = op_test(lambda x, s: x.reshape(s), np.reshape, frees_graph=False,
                       inputs=array_and(reshape_targets))
test_view = op_test(lambda x, s: x.view(*s), np.reshape, frees_graph=False,
                    inputs=array_and(reshape_targets))
test_flatten = op_test(mg.flatten, flatten_ref, min_dims=1, kwargs=flatten_dims,
                       frees_graph=False)


def test_flatten_of_a_0d_tensor_and_bad_dims_as_torch():
    x = mg.tensor(3.0, requires_grad=True)
    assert mg.flatten(x).shape == (1,) and x.flatten(-1, 0).shape == (1,)
    with pytest.raises(IndexError, match="flatten: dim 1 is out of range"):
        mg.flatten(x, 1)
    with pytest.raises(ValueError, match="start_dim 1 comes after end_dim 0"):
        mg.flatten(mg.zeros(2, 3), 1, 0)
    mg.flatten(x).sum().backward()
    assert x.grad.shape == ()


test_transpose = op_test(mg.transpose, np.swapaxes, frees_graph=False,
                         inputs=array_and(dim_of, dim_of, shape=shapes(min_dims=1)))
test_permute = op_test(lambda x, p: x.permute(*p), np.transpose, frees_graph=False,
                       inputs=array_and(lambda s: st.permutations(range(len(s)))))
test_T = op_test(lambda x: x.T, lambda x: x.T, frees_graph=False)
test_mT = op_test(lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), min_dims=2,
                  frees_graph=False)
test_unsqueeze = op_test(mg.unsqueeze, np.expand_dims, frees_graph=False,
                         inputs=array_and(lambda s: dim_of(s, extra=1)))
test_squeeze = needs_torch(op_test(mg.squeeze, via_torch("squeeze"), frees_graph=False,
                                   inputs=array_and(lambda s: dims(s, tuples=False),
                                                    shape=shapes(max_side=2))))
test_expand = op_test(lambda x, s: x.expand(*s), np.broadcast_to, frees_graph=False,
                      inputs=array_and(expand_targets, shape=shapes(max_side=2)))
test_broadcast_to = op_test(mg.broadcast_to, np.broadcast_to, frees_graph=False,
                            inputs=array_and(expand_targets, shape=shapes(max_side=2)))
test_expand_keep = op_test(lambda x: x.expand(2, *([-1] * x.ndim)),
                           lambda x: np.broadcast_to(x, (2, *x.shape)), frees_graph=False)
test_cat = op_test(lambda *args: mg.cat(args[:-1], dim=args[-1]),
                   lambda *args: np.concatenate(args[:-1], axis=args[-1]),
                   inputs=cat_args(), frees_graph=False)
test_stack = op_test(lambda *args: mg.stack(args[:-1], dim=args[-1]),
                     lambda *args: np.stack(args[:-1], axis=args[-1]),
                     inputs=stack_args(), frees_graph=False)
test_split = needs_torch(op_test(mg.split, via_torch("split"),
                                 inputs=split_args(positive_ints), frees_graph=False))
test_split_sections = needs_torch(op_test(mg.split, via_torch("split"),
                                          inputs=split_args(sections), frees_graph=False))
test_chunk = needs_torch(op_test(mg.chunk, via_torch("chunk"),
                                 inputs=split_args(positive_ints), frees_graph=False))
test_getitem = op_test(lambda x, index: x[index], lambda x, index: x[index], frees_graph=False,
                       inputs=array_and(index_expressions))

# ---------------------------------------------------------------------- softmax


def np_log_softmax(x, dim):
    z = x - x.max(axis=dim, keepdims=True, initial=-np.inf)
    return z - np.log(np.exp(z).sum(axis=dim, keepdims=True))


test_softmax = op_test(mg.softmax, lambda x, dim: np.exp(np_log_softmax(x, dim)), min_dims=1,
                       kwargs=lambda x: dims(x.shape, none=False, tuples=False).map(
                           lambda d: {"dim": d}))
test_log_softmax = op_test(mg.log_softmax, np_log_softmax, min_dims=1,
                           kwargs=lambda x: dims(x.shape, none=False, tuples=False).map(
                               lambda d: {"dim": d}))
test_softmax_empty = op_test(mg.softmax, lambda x, dim: np.exp(np_log_softmax(x, dim)),
                             min_dims=1, min_side=0, kwargs=lambda x: dims(
                                 x.shape, none=False, tuples=False).map(lambda d: {"dim": d}))
test_log_softmax_empty = op_test(mg.log_softmax, np_log_softmax, min_dims=1, min_side=0,
                                 kwargs=lambda x: dims(x.shape, none=False, tuples=False).map(
                                     lambda d: {"dim": d}))

# ---------------------------------------------------------------------- copies and casts
test_clone = op_test(lambda x: x.clone(), np.copy, frees_graph=False)

# (source dtype, target dtype, the cast). A cast to the dtype a tensor already has returns
# the tensor itself, so each test first checks that the dtypes differ.
CASTS = [
    pytest.param(mg.float64, mg.float32, lambda x: x.to(mg.float32), id="to(float32)"),
    pytest.param(mg.float32, mg.float64, lambda x: x.to(mg.float64), id="to(float64)"),
    pytest.param(mg.float64, mg.float32, lambda x: x.float(), id="float()"),
    pytest.param(mg.float32, mg.float64, lambda x: x.double(), id="double()"),
    pytest.param(mg.float64, mg.float32, lambda x: x.astype("float32"), id="astype"),
]


@pytest.mark.parametrize("source, target, cast", CASTS)
@given(values=arrays(shapes()), upstream=st.data())
def test_cast_converts_and_sends_the_gradient_back_in_the_source_dtype(
        source, target, cast, values, upstream):
    x = mg.tensor(values, dtype=source, requires_grad=True)
    assert x.dtype != target, "not a cast: the input already has the target dtype"
    y = cast(x)
    assert y.dtype == target and y.grad_fn is not None
    np.testing.assert_array_equal(y.array, x.array.astype(target))
    g = upstream.draw(arrays(y.shape)).astype(target)
    y.backward(mg.tensor(g))
    assert x.grad.dtype == source
    np.testing.assert_array_equal(x.grad.array, g.astype(source))  # d cast(x)/dx = 1


@pytest.mark.parametrize("source, target", [(mg.float32, mg.float64),
                                            (mg.float64, mg.float32)])
def test_cast_is_differentiable_twice(source, target):
    x = mg.tensor([0.5, -1.5, 2.0], dtype=source, requires_grad=True)
    y = x.to(target)
    assert y.dtype == target
    (g,) = mg.autograd.grad((y ** 3).sum(), x, create_graph=True)
    assert g.dtype == source and g.requires_grad
    np.testing.assert_array_equal(g.array, 3 * x.array ** 2)
    g.sum().backward()
    assert x.grad.dtype == source
    np.testing.assert_array_equal(x.grad.array, 6 * x.array)
