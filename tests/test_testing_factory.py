"""The op test factory catches each kind of bug it promises to, and passes correct ops."""

import numpy as np
import pytest
from hypothesis import Phase, settings

import minigrad as mg
from minigrad._tensor import _wrap
from minigrad.autograd import Function
from minigrad.testing import GradcheckError
from minigrad.testing.factory import op_test

# Stop at the first failing example: these tests only need to know that it fails.
quick = settings(max_examples=20, phases=[Phase.generate], database=None)


def fails(test, match):
    with pytest.raises((AssertionError, GradcheckError), match=match):
        quick(test)()


class Double(Function):
    """2x, correctly; the variants below each break one promise."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array * 2

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - reads (and so checks) the saved buffers
        return grad * 2


class WrongGrad(Double):
    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018
        return grad * 3


class MutatesInput(Double):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = x.array * 2
        x.array[...] = 0
        return out


class MutatesUpstream(Double):
    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018
        np.multiply(grad.array, 2, out=grad.array)
        return grad


class GradIsOutput(Double):
    """Writes the gradient into the output's own memory."""

    @staticmethod
    def forward(ctx, x):
        ctx.out = np.array(x.array * 2)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        np.multiply(grad.array, 2, out=ctx.out)
        return _wrap(ctx.out)  # the right values, in the output's memory


class KeepsBuffers(Function):
    """x * x, keeping x as a plain attribute: never freed, so a second backward works."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x.array * x.array

    @staticmethod
    def backward(ctx, grad):
        return grad * 2 * ctx.x


class FirstOrderOnly(Function):
    """sin with a numpy (untraced) derivative: right once, wrong when differentiated."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x.array)


def test_a_correct_op_passes():
    quick(op_test(Double.apply, lambda x: 2 * x))()


def test_wrong_forward_fails():
    fails(op_test(Double.apply, lambda x: 2.5 * x), "forward output 0")


def test_wrong_gradient_fails():
    fails(op_test(WrongGrad.apply, lambda x: 2 * x), "gradient mismatch")


def test_mutated_input_fails():
    fails(op_test(MutatesInput.apply, lambda x: 2 * x), "input 0 was modified")


def test_mutated_upstream_fails():
    # (In place, the VJP is not differentiable either; gradgradcheck would catch that.)
    fails(op_test(MutatesUpstream.apply, lambda x: 2 * x, gradgrad=False),
          "upstream grad was modified")


def test_grad_sharing_memory_fails():
    fails(op_test(GradIsOutput.apply, lambda x: 2 * x, frees_graph=False), "shares memory")


def test_unfreed_graph_fails():
    fails(op_test(KeepsBuffers.apply, np.square), "not freed")
    quick(op_test(KeepsBuffers.apply, np.square, frees_graph=False))()


def test_wrong_second_derivative_fails_unless_switched_off():
    fails(op_test(FirstOrderOnly.apply, np.sin), "gradient mismatch")
    quick(op_test(FirstOrderOnly.apply, np.sin, gradgrad=False))()


def test_tuple_outputs_and_passthrough_arguments():
    quick(op_test(lambda x, n: mg.split(x, n, dim=-1), lambda x, n: tuple(
        np.split(x, range(n, x.shape[-1], n), axis=-1)), min_dims=1, frees_graph=False,
        inputs=None, kwargs={"n": 2}))()
