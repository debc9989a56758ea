"""``Function``: one op = one class with ``forward`` and ``backward`` side by side.

Every op of the library is written this way, and so are users' custom ops::

    class Cube(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.array ** 3            # an ndarray or a Tensor

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2       # Tensor ops, so higher order works

    y = Cube.apply(x)

``forward`` gets the arguments exactly as given to ``apply`` (Tensors, numbers, arrays)
and runs without recording; ``backward`` gets the gradient of the output as a Tensor and
returns one gradient per positional argument (``None`` where there is none). Gradients
need not match their input's shape: the engine sums broadcast dimensions away and casts
to the input's dtype, in one place (``engine.fit_to``).

A backward written with operators only (``grad * 3 * x ** 2`` above) can declare
``array_backward = True``: a plain backward then hands it numpy arrays (``grad`` and
``saved_tensors``), so it costs numpy time only, while ``create_graph=True`` still hands
it Tensors. Most of the library's elementwise ops do this.

``ctx`` is the graph node itself (a ``Node`` named ``<Name>Backward``, which is what
``tensor.grad_fn`` shows), so nothing about an op lives anywhere but in its class.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from .. import _tensor as _t
from .anomaly import check_finite
from .thread_state import _per_thread

if TYPE_CHECKING:
    from .._tensor import Tensor

_OUTPUT = object()  # marks "the op's own output" among saved tensors (saved without a cycle)
_OUTPUT_ONLY = (_OUTPUT,)
_new = object.__new__

# Creation order of nodes: an op is always recorded after the ops that made its inputs,
# so running nodes from the highest number down is a topological order (engine.py).
_sequence = itertools.count()


class Node:
    """A recorded op: the ``ctx`` in forward/backward and the ``grad_fn`` of its output.

    It holds its parents (the ``grad_fn`` of each input, or the input itself for a leaf)
    but never its own output tensor, so a graph has no reference cycles and is freed by
    reference counting the moment the last tensor using it goes away. What it keeps of
    its output is the shape and dtype a gradient for it must have.
    """

    __slots__ = ("_fn", "_parents", "needs_input_grad", "_seq", "_shape", "_dtype", "module",
                 "_retained", "_hand_arrays", "_saved", "_plain", "_checks", "_out_vc",
                 "__dict__", "__weakref__")
    # Every op's node is of this one class, not a subclass per op: Python speeds up an
    # attribute access only while it keeps seeing one class, and the engine reads node
    # attributes on every edge. The op is ``_fn``; ``name()`` gives ``MulBackward``.
    # Set for every node by Function.apply: _fn, needs_input_grad; for every recorded
    # node also _parents, _seq, _shape, _dtype, module (innermost nn.Module or None),
    # _retained (weakref to the output after retain_grad, else None), _hand_arrays (set
    # by the engine: True while a plain backward hands this op arrays), _saved. Set by
    # _mark_saved when forward saved something: _plain, _checks, _out_vc (see there).
    _fn: type[Function]  # the op: its Function subclass
    _parents: tuple[Any, ...]  # per input: its node, the leaf Tensor itself, or None
    needs_input_grad: tuple[bool, ...]
    _seq: int
    _shape: tuple[int, ...]
    _dtype: np.dtype
    module: Any  # the innermost nn.Module call under way when the op ran, or None
    _retained: weakref.ref[Tensor] | None
    _hand_arrays: bool
    _saved: Any  # the saved items (a tuple); None once backward freed them
    _plain: Any  # the same as arrays (a tuple); None once freed
    _checks: tuple[tuple[int, list[Any], int], ...]
    _out_vc: list[Any] | None

    def save_for_backward(self, *items: Any) -> None:
        """Keep tensors (or arrays) for ``backward``; read them back with ``saved_tensors``.

        Saving a Tensor input records its version: if it is modified in place before
        backward, backward raises instead of using the new values. Saving the op's own
        output (the array or Tensor ``forward`` returns) keeps it connected to the graph
        for higher-order gradients without a reference cycle.
        """
        self._saved = items

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        saved = self._saved
        if not saved:
            if saved is None and getattr(self, "_checks", None) is not None:
                raise RuntimeError(
                    f"{self.name()}: trying to backward through the graph a second time (or "
                    "to use its saved tensors after they were freed). Pass retain_graph=True "
                    "to the first backward() or autograd.grad() to keep them.")
            return ()
        try:
            plain, checks = self._plain, self._checks
        except AttributeError:  # forward ran without recording: nothing to check
            return saved
        for i, counter, version in checks:
            if counter[0] != version:
                self._raise_modified(i, version, counter[0])
        if self._hand_arrays:  # a plain backward of an array_backward op gets the arrays
            return plain
        out_vc = self._out_vc
        if out_vc is None:
            return saved
        return tuple([_t._wrap(array, self, True, out_vc) if item is _OUTPUT else item
                      for item, array in zip(saved, plain)])

    def _raise_modified(self, i: int, saved: int, now: int) -> NoReturn:
        what = "its output" if self._saved[i] is _OUTPUT else "an input"
        raise RuntimeError(
            f"{self.name()}: {what} of shape {tuple(self._plain[i].shape)}, saved for backward "
            f"at version {saved}, was modified in place (now version {now}); its gradient "
            "would be wrong. Use an out-of-place op (x = x + 1 instead of x += 1) or .clone() "
            "first.")

    def _mark_saved(self, out: np.ndarray, returned: Any, result: Tensor) -> None:
        """After forward, prepare what ``saved_tensors`` hands out:

        * ``_plain``: every saved item as an array (Tensors by their data), for a plain
          backward of an ``array_backward`` op;
        * ``_checks``: ``(index, version counter, version now)`` of every saved Tensor, so
          an in-place change before backward is caught;
        * the op's own output is kept as its array (``_OUTPUT`` in ``_saved``, its version
          counter in ``_out_vc``), so the node never references its output tensor.
        """
        saved = self._saved
        if len(saved) == 1:  # the common cases: relu, tanh, exp save y; x * c saves c
            s = saved[0]
            if s is out or s is returned:
                out_vc = self._out_vc = result._vc
                self._saved = _OUTPUT_ONLY
                self._plain = (out,)
                self._checks = ((0, out_vc, out_vc[0]),)
                return
            if isinstance(s, _t.Tensor):
                vc = s._vc
                self._plain = (s.array,)
                self._checks = ((0, vc, vc[0]),)
            else:  # a number or an array of the op's own
                self._plain = saved
                self._checks = ()
            self._out_vc = None
            return
        Tensor = _t.Tensor
        plain = list(saved)
        checks = []
        out_vc = None
        for i, s in enumerate(saved):
            if s is None:
                continue
            if s is out or s is returned:
                plain[i] = out
                out_vc = result._vc
                checks.append((i, out_vc, out_vc[0]))
            elif isinstance(s, Tensor):
                plain[i] = s.array
                vc = s._vc
                checks.append((i, vc, vc[0]))
        if out_vc is not None:
            self._saved = tuple([_OUTPUT if s is out or s is returned else s for s in saved])
        self._plain = tuple(plain)
        self._checks = tuple(checks)
        self._out_vc = out_vc

    def _replace_saved(self, old: Tensor, new: Tensor) -> None:
        """Saved Tensor ``old`` is about to be overwritten in place: keep ``new`` (a copy of
        its values) for backward instead."""
        saved = self._saved
        self._plain = tuple(new.array if s is old else p for s, p in zip(saved, self._plain))
        self._checks = tuple((i, new._vc, new._vc[0]) if saved[i] is old else (i, vc, v)
                             for i, vc, v in self._checks)
        self._saved = tuple(new if s is old else s for s in saved)

    def _move_output(self, tensor: Tensor) -> None:
        """The op's output now lives in ``tensor`` (an in-place op wrote it there)."""
        saved = self._saved
        self._plain = tuple(tensor.array if s is _OUTPUT else p
                            for s, p in zip(saved, self._plain))
        self._checks = tuple((i, tensor._vc, tensor._vc[0]) if saved[i] is _OUTPUT
                             else (i, vc, v) for i, vc, v in self._checks)
        self._out_vc = tensor._vc

    def __lt__(self, other: Node) -> bool:
        """Newer first: the engine keeps the nodes waiting to run in a heap, and the
        newest must come out first (see engine.py's ordering invariant)."""
        return self._seq > other._seq

    @property
    def next_functions(self) -> tuple[Any, ...]:
        """The nodes (or leaf tensors) this node sends gradient to, one per input."""
        return self._parents

    def name(self) -> str:
        """The op's name, as torch's: ``MulBackward`` for ``Mul``."""
        return f"{self._fn.__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class Function:
    """Base class of every differentiable op; subclass it and call ``apply``."""

    # True if ``backward`` is written with operators only (+ - * / @ ** comparisons,
    # .reshape, .T, .sum(0)), so the same formula runs on numpy arrays: then a plain
    # backward (no create_graph) passes ``grad`` and ``saved_tensors`` as arrays and the
    # op's gradient costs numpy time only. Under create_graph it always gets Tensors.
    array_backward = False

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        """Compute the output (ndarray or Tensor) from the arguments given to ``apply``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        """Return one gradient per positional input of ``forward`` (``None`` for none)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward``; if grad mode is on and a Tensor argument requires grad, record
        the node that ``backward`` will run."""
        state = _per_thread.state
        ctx = _new(Node)
        ctx._fn = cls
        parents = _graph_inputs(ctx, args, state.grad_enabled)
        recording = parents is not None
        if recording:
            ctx._saved = None
            state.grad_enabled = False  # forward itself is never recorded: it is the op
        try:
            returned = cls.forward(ctx, *args, **kwargs)
        except ValueError as err:
            if "broadcast" in str(err):
                raise _broadcast_error(cls, args) from err
            raise
        finally:
            if recording:
                state.grad_enabled = True
        if type(returned) is np.ndarray and returned.base is None:
            out, base = returned, None  # a fresh array (ufuncs, reductions): nothing to check
        elif isinstance(returned, np.generic):
            out, base = np.asarray(returned), None  # what ufuncs return for 0-d operands
        else:
            out, base = _output_array(returned, args)
        if state.anomaly:
            check_finite(out, f"{cls.__name__} forward")
        if not recording or out.dtype.kind != "f":  # integer/bool results: no gradient
            return _t._wrap(out) if base is None else _share_memory(out, None, False, base)
        # Record: the node keeps its inputs' nodes, a creation number (the engine's
        # order), the shape and dtype a gradient for the output must have, the innermost
        # module call (for diagrams), and what forward saved (_mark_saved).
        ctx._parents = parents
        ctx._seq = next(_sequence)
        ctx._shape = out.shape
        ctx._dtype = out.dtype
        calls = state.module_stack
        ctx.module = calls[-1] if calls else None
        ctx._retained = None
        ctx._hand_arrays = False
        if base is None:
            result = _t._wrap(out, ctx, True)
        else:
            result = _share_memory(out, ctx, True, base)
        if ctx._saved:
            ctx._mark_saved(out, returned, result)
        return result


def _graph_inputs(ctx: Node, args: tuple, grad_enabled: bool) -> tuple | None:
    """Each argument's parent in the graph (its ``grad_fn``, the tensor itself for a leaf
    that requires grad, else None), or None when nothing is to be recorded; sets
    ``ctx.needs_input_grad`` (which arguments get a gradient).
    Speed: ops take one or two inputs, so those are spelled out, and shared tuples
    avoid an allocation per op."""
    Tensor = _t.Tensor
    n = len(args)
    if grad_enabled and n == 1:
        a = args[0]
        if isinstance(a, Tensor) and a.requires_grad:
            ctx.needs_input_grad = _ONE_GRAD
            return (a.grad_fn or a,)
    elif grad_enabled and n == 2:
        a, b = args
        pa = (a.grad_fn or a) if isinstance(a, Tensor) and a.requires_grad else None
        pb = (b.grad_fn or b) if isinstance(b, Tensor) and b.requires_grad else None
        if pa is not None or pb is not None:
            ctx.needs_input_grad = (pa is not None, pb is not None)
            return (pa, pb)
    elif grad_enabled:
        parents = _parents(args)
        needs = tuple([p is not None for p in parents])
        if True in needs:
            ctx.needs_input_grad = needs
            return parents
    ctx.needs_input_grad = _NO_GRADS[n] if n < len(_NO_GRADS) else (False,) * n
    return None


def _parents(args: tuple) -> tuple:
    """Each argument's parent in the graph: its ``grad_fn``, the tensor itself for a leaf
    that requires grad, else None. (Apart from ``_graph_inputs`` so that its comprehension
    does not turn a local of that hot function into a closure cell.)"""
    return tuple([(a.grad_fn or a) if isinstance(a, _t.Tensor) and a.requires_grad else None
                  for a in args])


_ONE_GRAD = (True,)
_NO_GRADS = [(False,) * n for n in range(8)]


def _broadcast_error(cls: type[Function], args: tuple) -> ValueError:
    """numpy's broadcast error, restated with the op's name and the operands' shapes."""
    Tensor = _t.Tensor
    shapes = " and ".join(str(tuple(np.shape(a.array if isinstance(a, Tensor) else a)))
                          for a in args)
    return ValueError(f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast together; "
                      "trailing dimensions must match or be 1 (reshape or unsqueeze an operand)")


def _output_array(returned: Any, args: tuple) -> tuple[np.ndarray, Tensor | None]:
    """What ``forward`` returned, as an array, and the Tensor argument it is a view of
    (None if it owns its memory)."""
    if isinstance(returned, _t.Tensor):  # a custom forward may hand back a Tensor
        return returned.array, _view_base(returned.array, args)
    if type(returned) is np.ndarray:
        return returned, _view_base(returned, args)
    return np.asarray(returned), None  # a number or an array-like from a custom forward


def _view_base(out: np.ndarray, args: tuple) -> Tensor | None:
    """The Tensor argument whose memory ``out`` is a view of (reshape, slice, ...), if any."""
    Tensor = _t.Tensor
    may_be_view = out.base is not None  # ufuncs and reductions make fresh arrays: cheap exit
    for a in args:
        if isinstance(a, Tensor) and (out is a.array or (
                may_be_view and np.may_share_memory(out, a.array))):
            return a
    return None


def _share_memory(out: np.ndarray, ctx: Node | None, requires_grad: bool,
                  base: Tensor) -> Tensor:
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


def has_live_alias(tensor: Tensor) -> bool:
    """True if another live tensor shares ``tensor``'s memory as a view (or its base)."""
    vc = tensor._vc
    for r in vc[1:]:
        other = r()
        if other is not None and other is not tensor:
            return True
    return False
