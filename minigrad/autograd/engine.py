"""The backward engine: the chain rule over the recorded graph.

The graph is a DAG of ``Node``s, one per recorded op; a node's parents are the nodes of
its inputs, or the input tensors themselves for leaves. ``run_backward`` is the whole
algorithm:

    while a node holds a gradient:
        take the newest one                                      -> heappop(ready)
        grads = its own backward rule, applied to that gradient  -> _call_backward
        for each input and its gradient:
            fit the gradient to the input (undo broadcasting, cast) -> fit_to
            add it to the input node's waiting gradient             -> _add_waiting
              (its first one: the node joins the queue)             -> heappush(ready)
            or, for a leaf, hand it to the sink -> sink.leaf: AccumulateGrad (.grad)
                                                   or CaptureGrad (autograd.grad)

**Ordering invariant.** Every node is numbered when it is recorded (``Node._seq``), and an
op is always recorded after the ops that made its inputs. So the newest node that holds
a gradient has no consumer left to run: every gradient meant for it has arrived and been
summed (reused tensors, diamonds). Running nodes newest first is a topological order with
no recursion (a 100,000-op chain is fine) and no sorting pass. The ready queue is a heap
of nodes (``Node.__lt__``: newer first) beside ``waiting``, their summed gradients.

With ``create_graph=True`` the backward rules run with grad mode on, so they are recorded
like any other ops: that is all higher-order gradients need. In a plain backward,
gradients between ops that declare ``array_backward`` travel as numpy arrays
(``_call_backward`` decides), so those ops' gradients cost numpy time only.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _tensor as _t
from .anomaly import check_finite
from .function import Node
from .grad_mode import set_grad_enabled
from .thread_state import current

if TYPE_CHECKING:
    from .._tensor import Tensor

Grad = Any  # a gradient: a Tensor, or in a plain backward an ndarray or numpy scalar
_GRAD_TYPES = (np.ndarray, np.generic, _t.Tensor)


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, sink: AccumulateGrad | CaptureGrad) -> None:
    """Backpropagate ``root_grads`` from ``roots``; gradients that reach leaves (and
    watched nodes) go to ``sink``."""
    anomaly = current().anomaly
    waiting: dict[Node, Grad] = {}  # node -> the gradient of its output, summed so far
    ready: list[Node] = []  # the same nodes in a heap: the newest pops first (Node.__lt__)
    for root, grad in zip(roots, root_grads):
        if root.grad_fn is None:
            sink.leaf(root, grad)  # x.backward() on a leaf
        elif _add_waiting(waiting, root.grad_fn, grad):
            heappush(ready, root.grad_fn)
    watched = sink.nodes  # non-leaves whose gradient the sink wants, besides retain_grad()'s
    with set_grad_enabled(create_graph):  # create_graph: record the backward ops too
        while ready:
            node = heappop(ready)  # the newest node holding a gradient: all have arrived
            grad = waiting.pop(node)
            if node._retained is not None or (watched and node in watched):
                sink.reached(node, grad)
            grads = _call_backward(node, grad, create_graph, retain_graph, anomaly)
            for parent, g in zip(node._parents, grads):
                if parent is None or g is None:
                    continue
                if isinstance(parent, Node):
                    g = fit_to(g, parent._shape, parent._dtype, node, anomaly)
                    if _add_waiting(waiting, parent, g):  # its first gradient: it joins the queue
                        heappush(ready, parent)
                else:  # a leaf
                    array = parent.array
                    sink.leaf(parent, fit_to(g, array.shape, array.dtype, node, anomaly))


def _add_waiting(waiting: dict[Node, Grad], node: Node, grad: Grad) -> bool:
    """Add ``grad`` to what ``node`` waits with; True if it is the node's first."""
    before = waiting.get(node)
    waiting[node] = grad if before is None else before + grad
    return before is None


def _call_backward(node: Node, grad: Grad, create_graph: bool, retain_graph: bool,
                   anomaly: bool) -> tuple:
    """Run ``node``'s own backward rule; one gradient (or None) per input.

    This is the one place that decides what a backward is handed: numpy arrays in a plain
    backward of an op that declares ``array_backward`` (numpy speed), Tensors otherwise.
    """
    fn = node._fn
    arrays = node._hand_arrays = fn.array_backward and not create_graph
    if arrays:
        if isinstance(grad, _t.Tensor):
            grad = grad.array
    elif not isinstance(grad, _t.Tensor):
        grad = _as_tensor(grad)
    grads = _backward_named(node, grad) if anomaly else fn.backward(node, grad)
    if not retain_graph and node._saved:
        node._saved = node._plain = None  # free the saved buffers
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(node._parents):
        raise RuntimeError(f"{node.name()}: backward returned {len(grads)} gradients but "
                           f"forward had {len(node._parents)} inputs")
    return grads


def fit_to(grad: Grad, shape: tuple, dtype: np.dtype, node: Node, anomaly: bool = False) -> Grad:
    """Make ``grad`` (returned by ``node``'s backward) fit its input: sum away the
    dimensions broadcasting added (``sum_to``) and cast to the input's dtype. This is the
    only place broadcasting is undone."""
    if type(grad) is np.ndarray and grad.shape == shape and grad.dtype is dtype and not anomaly:
        return grad  # the common case, first: this runs for every edge of the graph
    if type(grad) is not np.ndarray and not isinstance(grad, _GRAD_TYPES):
        grad = np.asarray(grad)  # a number or array-like from a custom backward
    if grad.shape != shape:
        grad = sum_to(grad, shape, node.name())
    if grad.dtype is not dtype and grad.dtype != dtype:  # (equal dtypes are mostly one object)
        grad = grad.to(dtype) if isinstance(grad, _t.Tensor) else grad.astype(dtype)
    if anomaly:
        check_finite(_array(grad), f"{node.name()} backward")
    return grad


def sum_to(grad: Grad, shape: tuple, op: str = "backward") -> Grad:
    """Sum ``grad`` (a Tensor, or an array in a plain backward) over the dimensions
    broadcasting added, to get ``shape``."""
    gshape = grad.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0 or any(s != 1 and s != g for s, g in zip(shape, gshape[lead:])):
        raise RuntimeError(f"{op}: returned a gradient of shape {gshape} for an input of "
                           f"shape {shape}; it must have the input's shape or broadcast to it")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and gshape[lead + i] != 1)
    if dims:
        grad = grad.sum(dims, keepdims=True)  # numpy's name works for Tensor and ndarray
    if lead:
        grad = grad.reshape(shape)
    return grad


def _backward_named(node: Node, grad: Grad) -> Any:
    """Anomaly mode: run ``node``'s backward with the per-op forward checks off, so a
    NaN/inf it makes is reported by the check of its gradients, under the node's name,
    rather than under the name of whichever helper op (a Div, a Mul) first saw it."""
    state = current()
    state.anomaly = False
    try:
        return node._fn.backward(node, grad)
    finally:
        state.anomaly = True


def _as_tensor(grad: Grad) -> Tensor:
    """A gradient kept as an array (plain backward) as a Tensor."""
    if isinstance(grad, _t.Tensor):
        return grad
    return _t._wrap(grad if type(grad) is np.ndarray else np.asarray(grad))


def _array(grad: Grad) -> np.ndarray:
    return grad.array if isinstance(grad, _t.Tensor) else np.asarray(grad)


# ------------------------------------------------------------------------ sinks
class AccumulateGrad:
    """Where gradients end in ``Tensor.backward``: added into each leaf's ``.grad``, and
    into the ``.grad`` of non-leaves that asked for it with ``retain_grad()``."""

    nodes: Container[Node] = frozenset()  # none but those with retain_grad() (_retained)

    def __init__(self, root_grads: Sequence[Tensor], create_graph: bool):
        self.create_graph = create_graph
        self.handed = _handed_out(root_grads)

    def reached(self, node: Node, grad: Grad) -> None:
        """``node`` is about to run with the full gradient of its output (the loop calls
        this for watched nodes only)."""
        if node._retained is not None:
            owner = node._retained()
            if owner is not None and owner.grad_fn is node:
                self.leaf(owner, grad)

    def leaf(self, tensor: Tensor, grad: Grad) -> None:
        if tensor._grad is None:
            tensor._grad = _owned(grad, self.handed)
        elif self.create_graph:
            tensor._grad = tensor._grad + grad  # recorded: .grad stays differentiable
        else:
            _t.write_in_place(tensor._grad, _array(grad), np.add)


def _handed_out(root_grads: Sequence[Tensor]) -> set[int]:
    """ids of the arrays held by the caller or by a ``.grad``: gradients handed out must
    own their memory (a ``.grad`` is later added into in place)."""
    return {id(g.array) for g in root_grads}


def _owned(grad: Grad, handed: set[int]) -> Tensor:
    """``grad`` as a Tensor whose memory nothing else handed out shares: a copy if it is a
    view (reshape, expand), read-only, or already handed out (add sends one gradient to
    both inputs); a fresh array from a backward is taken as it is."""
    grad = _as_tensor(grad)
    array = grad.array
    if array.base is not None or not array.flags.writeable or id(array) in handed:
        grad = grad.clone()
    handed.add(id(grad.array))
    return grad


class CaptureGrad:
    """Where gradients end in ``autograd.grad``: the gradients of ``inputs`` are kept and
    returned; no ``.grad`` is touched."""

    def __init__(self, inputs: Sequence[Tensor], root_grads: Sequence[Tensor],
                 create_graph: bool):
        self.inputs = inputs
        self.create_graph = create_graph
        self.handed = _handed_out(root_grads)
        # An input is found by its grad_fn (non-leaf) or by itself (leaf).
        self.index = {(t.grad_fn if t.grad_fn is not None else t): i
                      for i, t in enumerate(inputs)}
        self.captured: list[Tensor | None] = [None] * len(inputs)
        self.nodes: Container[Node] = self.index  # non-leaf inputs are found by their node

    def reached(self, node: Node, grad: Grad) -> None:
        i = self.index.get(node)
        if i is not None:
            self.captured[i] = _as_tensor(grad)

    def leaf(self, tensor: Tensor, grad: Grad) -> None:
        i = self.index.get(tensor)
        if i is not None:
            before = self.captured[i]
            grad = _as_tensor(grad)
            self.captured[i] = grad if before is None else before + grad

    def result(self, allow_unused: bool) -> tuple[Tensor | None, ...]:
        for i, (t, g) in enumerate(zip(self.inputs, self.captured)):
            if g is None and not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {i} (shape {t.shape}) was not used to compute "
                    "the outputs; pass allow_unused=True to get None for it")
        if self.create_graph:
            return tuple(self.captured)
        # Plain gradients are the caller's to keep: none may share memory with another.
        return tuple(None if g is None else _owned(g, self.handed) for g in self.captured)


# ------------------------------------------------------------------ entry points
def _as_grad(value: Any, like: Tensor, what: str) -> Tensor:
    """The gradient to start from: ``value`` checked against ``like``, or ones for a
    one-element output."""
    Tensor = _t.Tensor
    if value is None:
        if like.array.size != 1:
            raise RuntimeError(
                f"{what}: grad can be created implicitly only for scalar outputs, but the "
                f"output has shape {like.shape}; pass gradient= (a tensor of that shape), "
                "or reduce it first, e.g. y.sum().backward()")
        return _t._wrap(np.ones(like.array.shape, like.array.dtype))
    g = value if isinstance(value, Tensor) else _t.tensor(value, dtype=like.dtype)
    if g.shape != like.shape:
        raise ValueError(f"{what}: gradient has shape {g.shape} but the output has shape "
                         f"{like.shape}; they must match")
    if g.dtype != like.dtype:
        g = g.to(like.dtype)
    return g


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool = False,
             create_graph: bool = False) -> None:
    """``Tensor.backward``: accumulate d(tensor)/d(leaf) into every leaf's ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; did you create "
            "its inputs with requires_grad=True, and compute it outside mg.no_grad()?")
    grads = [_as_grad(gradient, tensor, "backward")]
    run_backward([tensor], grads, retain_graph or create_graph, create_graph,
                 AccumulateGrad(grads, create_graph))


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Mirrors ``torch.autograd.grad``. ``outputs`` and ``inputs`` are a Tensor or a sequence
    of Tensors; returns a tuple with one gradient (or None, with ``allow_unused``) per
    input. With ``create_graph=True`` the result is differentiable again.

    >>> import minigrad as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (dx,) = mg.autograd.grad(x ** 3, x, create_graph=True)
    >>> (d2x,) = mg.autograd.grad(dx, x)
    >>> dx.item(), d2x.item()
    (27.0, 18.0)
    """
    Tensor = _t.Tensor
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray):
        grad_outputs = [grad_outputs] * len(outputs)
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"autograd.grad: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad; create it "
                               "with requires_grad=True")
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError("autograd.grad: an output does not require grad (it does not "
                               "depend on any input that requires grad)")
    root_grads = [_as_grad(g, out, "autograd.grad") for out, g in zip(outputs, grad_outputs)]
    sink = CaptureGrad(inputs, root_grads, create_graph)
    run_backward(outputs, root_grads, create_graph if retain_graph is None else retain_graph,
                 create_graph, sink)
    return sink.result(allow_unused)
