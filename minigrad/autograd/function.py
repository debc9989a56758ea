"""``Function``: one op = one class with ``forward`` and ``backward`` side by side.

Every op of the library is written this way, and so are users' custom ops::

    class Cube(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.data ** 3             # an ndarray or a Tensor

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2       # Tensor ops, so higher order works

    y = Cube.apply(x)

``forward`` gets the arguments exactly as given to ``apply`` (Tensors, numbers, arrays)
and runs without recording; ``backward`` gets the gradient of the output as a Tensor and
returns one gradient per positional argument (``None`` where there is none). Gradients
need not match their input's shape: the engine sums broadcast dimensions away and casts
to the input's dtype, in one place (``engine.sum_to``).

A backward written with operators only (``grad * 3 * x ** 2`` above) can declare
``array_backward = True``: a plain backward then hands it numpy arrays (``grad`` and
``saved_tensors``), so it costs numpy time only, while ``create_graph=True`` still hands
it Tensors. Most of the library's elementwise ops do this.

``ctx`` is the graph node itself (an instance of ``<Name>Backward``, which is what
``tensor.grad_fn`` shows), so nothing about an op lives anywhere but in its class.
"""

from __future__ import annotations

import weakref

import numpy as np

from .. import tensor as _t
from .anomaly import _anomaly, check_finite
from .grad_mode import _state as _grad_state

_OUTPUT = object()  # marks "the op's own output" among saved tensors (saved without a cycle)

# The nn.Module calls under way (innermost last); nodes record the innermost, so graph
# diagrams can group ops by module. nn.Module.__call__ pushes and pops.
module_stack: list = []


class Node:
    """A recorded op: the ``ctx`` in forward/backward and the ``grad_fn`` of its output.

    It holds its parents (the ``grad_fn`` of each input, or the input itself for a leaf)
    but never its own output tensor, so a graph has no reference cycles and is freed by
    reference counting the moment the last tensor using it goes away.
    """

    __slots__ = ("_parents", "_metas", "_out_data", "_out_vc", "needs_input_grad",
                 "__dict__", "__weakref__")
    _fn: type  # the Function subclass, set on each generated subclass
    # Defaults as class attributes: creating a node (once per op) runs no __init__.
    module = None  # the nn.Module whose forward recorded this node, if any
    _saved = None  # what forward saved (None: nothing, or freed)
    _versions = None  # version of each saved tensor when saved (None: not recorded)
    _freed = False
    _retained = None  # weakref to the output tensor after retain_grad()

    def save_for_backward(self, *items) -> None:
        """Keep tensors (or arrays) for ``backward``; read them back with ``saved_tensors``.

        Saving a Tensor input records its version: if it is modified in place before
        backward, backward raises instead of using the new values. Saving the op's own
        output (the array or Tensor ``forward`` returns) keeps it connected to the graph
        for higher-order gradients without a reference cycle.
        """
        self._saved = items

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            if self._freed:
                raise RuntimeError(
                    f"{self.name()}: trying to backward through the graph a second time (or "
                    "to use its saved tensors after they were freed). Pass retain_graph=True "
                    "to the first backward() or autograd.grad() to keep them.")
            return ()
        versions = self._versions
        if versions is None:  # forward ran without recording: nothing to check
            return saved
        # A plain backward of an array-capable op gets the arrays themselves.
        arrays = self._fn.array_backward and not _grad_state[0]
        out = []
        for item, version in zip(saved, versions):
            if item is _OUTPUT:
                if self._out_vc[0] != version:
                    self._raise_modified("its output", self._out_data.shape, version,
                                         self._out_vc[0])
                out.append(self._out_data if arrays else
                           _t._wrap(self._out_data, self, True, self._out_vc))
            else:
                if version is not None:
                    if item._vc[0] != version:
                        self._raise_modified("an input", item.shape, version, item._vc[0])
                    if arrays:
                        item = item.data
                out.append(item)
        return tuple(out)

    def _raise_modified(self, what, shape, saved, now):
        raise RuntimeError(
            f"{self.name()}: {what} of shape {tuple(shape)}, saved for backward at version "
            f"{saved}, was modified in place (now version {now}); its gradient would be "
            "wrong. Use an out-of-place op (x = x + 1 instead of x += 1) or .clone() first.")

    def _mark_saved(self, out: np.ndarray, returned, result) -> None:
        """After forward: note each saved tensor's version; the op's own output is kept
        as its array (``_OUTPUT`` marker) so the node never references its output."""
        Tensor = _t.Tensor
        items = []
        versions = []
        for s in self._saved:
            if s is out or s is returned:
                items.append(_OUTPUT)
                versions.append(0)
                self._out_data = out
                self._out_vc = result._vc
            elif isinstance(s, Tensor):
                items.append(s)
                versions.append(s._vc[0])
            else:
                items.append(s)
                versions.append(None)
        self._saved = tuple(items)
        self._versions = tuple(versions)

    @property
    def next_functions(self) -> tuple:
        """The nodes (or leaf tensors) this node sends gradient to, one per input."""
        return self._parents

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def _release(self) -> None:
        """Free what forward saved (called after backward unless retain_graph)."""
        if self._saved is not None:
            self._saved = None
            self._freed = True
            self._out_data = None


class Function:
    """Base class of every differentiable op; subclass it and call ``apply``."""

    _node_cls: type[Node]
    # True if ``backward`` is written with operators only (+ - * / @ ** comparisons,
    # .reshape, .T, .sum(0)), so the same formula runs on numpy arrays: then a plain
    # backward (no create_graph) passes ``grad`` and ``saved_tensors`` as arrays and the
    # op's gradient costs numpy time only. Under create_graph it always gets Tensors.
    array_backward = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The grad_fn class: named like torch's (MulBackward), knows its Function.
        cls._node_cls = type(f"{cls.__name__}Backward", (Node,),
                             {"_fn": cls, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx: Node, *args, **kwargs):
        """Compute the output (ndarray or Tensor) from the arguments given to ``apply``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Node, grad):
        """Return one gradient per positional input of ``forward`` (``None`` for none)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, if any Tensor argument requires grad, record the node."""
        # This runs for every op, forward and backward: plain loops, no helper calls.
        Tensor = _t.Tensor
        ctx = cls._node_cls()
        needs = None
        if _grad_state[0]:
            for a in args:
                if isinstance(a, Tensor) and a.requires_grad:
                    # Recorded: one pass over the inputs for what backward needs.
                    needs, parents, metas = [], [], []
                    for b in args:
                        if isinstance(b, Tensor) and b.requires_grad:
                            needs.append(True)
                            parents.append(b if b.grad_fn is None else b.grad_fn)
                            metas.append((b.data.shape, b.data.dtype))
                        else:
                            needs.append(False)
                            parents.append(None)
                            metas.append(None)
                    needs = tuple(needs)
                    break
        if needs is None:  # not recorded: no_grad, or no input requires grad
            n = len(args)
            ctx.needs_input_grad = _NO_GRADS[n] if n < 8 else (False,) * n
        else:
            ctx.needs_input_grad = needs
            _grad_state[0] = False  # forward itself is never recorded
        try:
            returned = cls.forward(ctx, *args, **kwargs)
        except ValueError as err:
            if "broadcast" in str(err):
                raise _broadcast_error(cls, args) from err
            raise
        finally:
            if needs is not None:
                _grad_state[0] = True
        out = returned
        if type(out) is not np.ndarray:  # a Tensor, or a numpy scalar from a 0-d op
            out = out.data if isinstance(out, Tensor) else np.asarray(out)
        if _anomaly[0]:
            check_finite(out, f"{cls.__name__} forward")
        base = None
        # Only a view (or a Tensor handed back by a custom forward) can alias an input;
        # numpy scalars (0-d results) converted above are always fresh.
        if out.base is not None or (out is not returned and isinstance(returned, Tensor)):
            base = _view_base(out, args)
        if needs is None or out.dtype.kind != "f":  # integer/bool results carry no gradient
            return _t._wrap(out) if base is None else _share_memory(out, None, False, base)

        ctx._parents = tuple(parents)
        ctx._metas = tuple(metas)
        if module_stack:
            ctx.module = module_stack[-1]
        result = (_t._wrap(out, ctx, True) if base is None
                  else _share_memory(out, ctx, True, base))
        if ctx._saved:
            ctx._mark_saved(out, returned, result)
        return result


_NO_GRADS = [(False,) * n for n in range(8)]


def _broadcast_error(cls, args) -> ValueError:
    """numpy's broadcast error, restated with the op's name and the operands' shapes."""
    Tensor = _t.Tensor
    shapes = " and ".join(str(tuple(np.shape(a.data if isinstance(a, Tensor) else a)))
                          for a in args)
    return ValueError(f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast together; "
                      "trailing dimensions must match or be 1 (reshape or unsqueeze an operand)")


def _view_base(out: np.ndarray, args):
    """The Tensor argument whose memory ``out`` is a view of (reshape, slice, ...), if any."""
    Tensor = _t.Tensor
    may_be_view = out.base is not None  # ufuncs and reductions make fresh arrays: cheap exit
    for a in args:
        if isinstance(a, Tensor) and (out is a.data or (
                may_be_view and np.may_share_memory(out, a.data))):
            return a
    return None


def _share_memory(out: np.ndarray, ctx, requires_grad: bool, base):
    """Wrap a view of ``base``: it shares ``base``'s version counter (a write through either
    is a write to both), and the counter keeps weak references to every live alias so an
    in-place op can tell whether other tensors see its write (``ops.shape.inplace``).

    A version counter is ``[version, weakref, weakref, ...]``.
    """
    vc = base._vc
    if len(vc) == 1:
        vc.append(weakref.ref(base))
    elif len(vc) > 16:  # drop dead aliases (e.g. last step's w.T), keep the list short
        vc[1:] = [r for r in vc[1:] if r() is not None]
    result = _t._wrap(out, ctx, requires_grad, vc)
    vc.append(weakref.ref(result))
    return result


def has_live_alias(tensor) -> bool:
    """True if another live tensor shares ``tensor``'s memory as a view (or its base)."""
    vc = tensor._vc
    for r in vc[1:]:
        other = r()
        if other is not None and other is not tensor:
            return True
    return False
