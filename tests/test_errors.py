"""Bad input: shape mismatches are ValueErrors naming the op and both shapes, wrong types
are TypeErrors, and every message says what to do."""

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a ** b, "pow"),
    (lambda a, b: mg.maximum(a, b), "maximum"), (lambda a, b: a == b, "eq"),
])
def test_broadcast_mismatch(op, name):
    a, b = mg.ones(2, 3, requires_grad=True), mg.ones(4, 2)
    with pytest.raises(ValueError) as info:
        op(a, b)
    msg = str(info.value)
    assert msg.startswith(name)
    assert "(2, 3)" in msg and "(4, 2)" in msg and "broadcast" in msg


def test_broadcast_message_says_what_to_do():
    with pytest.raises(ValueError, match="reshape or unsqueeze"):
        mg.ones(3) + mg.ones(4)


def test_broadcast_mismatch_with_numpy_operand():
    with pytest.raises(ValueError, match=r"add.*\(3,\).*\(4,\)"):
        mg.ones(3) + np.ones(4)


@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)),
                                    ((5, 2, 3), (4, 3, 2))])
def test_matmul_mismatch(sa, sb):
    with pytest.raises(ValueError) as info:
        mg.ones(*sa) @ mg.ones(*sb)
    msg = str(info.value)
    assert msg.startswith("matmul") and str(sa) in msg and str(sb) in msg


def test_matmul_message_says_what_to_do():
    with pytest.raises(ValueError, match="transpose or reshape"):
        mg.ones(2, 3) @ mg.ones(2, 3)
    with pytest.raises(ValueError, match="use \\*"):
        mg.tensor(2.0) @ mg.ones(2)


def test_cat_mismatch():
    with pytest.raises(ValueError) as info:
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)], dim=0)
    msg = str(info.value)
    assert msg.startswith("cat") and "(2, 3)" in msg and "(2, 4)" in msg
    assert "same shape except along dim" in msg
    mg.cat([mg.ones(2, 3), mg.ones(2, 4)], dim=1)  # the right dim works


def test_stack_mismatch():
    with pytest.raises(ValueError, match=r"stack.*\(2,\).*\(3,\)"):
        mg.stack([mg.ones(2), mg.ones(3)])


def test_reshape_mismatch():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4, 2\)"):
        mg.ones(2, 3).reshape(4, 2)


def test_expand_mismatch():
    with pytest.raises(ValueError, match="expand.*size 1"):
        mg.ones(2, 3).expand(4, 3)


@pytest.mark.parametrize("bad", ["a", None, {"a": 1}, [1, 2], object()])
def test_wrong_operand_type(bad):
    x = mg.ones(2)
    with pytest.raises(TypeError, match="unsupported operand.*Tensor, a Python number"):
        x * bad


def test_wrong_type_tensor_constructor():
    with pytest.raises(TypeError, match="number, a \\(nested\\) list"):
        mg.tensor("abc")
    with pytest.raises(TypeError, match="unsupported element type"):
        mg.tensor(np.array(["a"]))


def test_ragged_list():
    with pytest.raises(ValueError, match="rectangular"):
        mg.tensor([[1.0, 2.0], [3.0]])


def test_factory_bad_sizes():
    with pytest.raises(ValueError, match="non-negative ints"):
        mg.zeros(2, -1)
    with pytest.raises(ValueError, match="non-negative ints"):
        mg.ones(2.5)


def test_dim_out_of_range():
    with pytest.raises(IndexError, match="out of range.*valid dims"):
        mg.ones(2, 3).sum(dim=2)


def test_dim_wrong_type():
    with pytest.raises(TypeError, match="dim must be an int"):
        mg.ones(2, 3).sum(dim=1.0)


def test_manual_seed_type():
    with pytest.raises(TypeError, match="seed must be an int"):
        mg.manual_seed(1.5)


def test_where_needs_bool():
    with pytest.raises(TypeError, match="compare first"):
        mg.where(mg.ones(2), mg.ones(2), mg.zeros(2))


def test_softmax_needs_float():
    with pytest.raises(TypeError, match=r"\.float\(\)"):
        mg.tensor([1, 2]).softmax()


def test_bool_of_many_elements():
    with pytest.raises(RuntimeError, match="ambiguous.*any\\(\\).*all\\(\\)"):
        bool(mg.ones(2))


def test_item_of_many_elements():
    with pytest.raises(ValueError, match="one-element"):
        mg.ones(2).item()


def test_messages_for_autograd_misuse():
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient=.*y.sum\\(\\).backward\\(\\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="requires_grad=True.*no_grad"):
        mg.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match="convert it first"):
        mg.tensor([1]).requires_grad_()
    with pytest.raises(RuntimeError, match="detach"):
        (x * 2).requires_grad_(False)
