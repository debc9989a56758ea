"""``summary``: a Keras-style table of a model's layers, output shapes and parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..autograd.grad_mode import no_grad
from ..creation import zeros
from .module import Module

if TYPE_CHECKING:
    from numpy.typing import DTypeLike


class ModelSummary(str):
    """The table :func:`summary` returns: a ``str`` that a REPL or notebook shows as the
    table itself (not quoted), and ``print`` prints once."""

    def __repr__(self) -> str:
        return str(self)


def summary(model: Module, input_shape: tuple[int, ...], batch_size: int = -1,
            dtype: DTypeLike | None = None,
            print_fn: Callable[[str], object] | None = None) -> ModelSummary:
    """Run one forward pass on zeros of ``(1, *input_shape)`` and tabulate, per leaf
    layer, its output shape and parameter count, then the totals. Returns the table
    (``print(nn.summary(...))`` shows it; ``print_fn`` is also called with it if given).

    >>> from minigrad import nn
    >>> table = nn.summary(nn.Linear(784, 10), (784,))
    >>> [line.split() for line in table.splitlines() if line.startswith(("Linear", "Total"))]
    [['Linear-1', '[-1,', '10]', '7,850'], ['Total', 'params:', '7,850']]
    """
    rows: list[tuple[str, str, int]] = []
    hooks: list[Callable[[], object]] = []
    counted: set[int] = set()

    def record(module: Module, inputs: tuple[Any, ...], output: Any) -> None:
        own = [p for p in module.parameters(recurse=False) if id(p) not in counted]
        counted.update(id(p) for p in own)
        shape: list[int] = list(getattr(output, "shape", ()))
        if shape:
            shape[0] = batch_size
        rows.append((f"{type(module).__name__}-{len(rows) + 1}", str(shape),
                     sum(p.numel() for p in own)))

    for m in model.modules():
        if next(m.children(), None) is None:  # leaf layers only
            hooks.append(m.register_forward_hook(record))
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            model(zeros(1, *input_shape, dtype=dtype))
    finally:
        model.train(was_training)
        for remove in hooks:
            remove()

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    width = 64
    lines = ["-" * width, f"{'Layer (type)':<28}{'Output Shape':<22}{'Param #':>14}", "=" * width]
    lines += [f"{name:<28}{shape:<22}{count:>14,}" for name, shape, count in rows]
    lines += ["=" * width, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", "-" * width]
    text = ModelSummary("\n".join(lines))
    if print_fn is not None:
        print_fn(text)
    return text
