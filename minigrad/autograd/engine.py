"""The backward engine: the chain rule over the recorded graph, in one short loop.

The graph is a DAG of ``Node``s (one per recorded op); a node's parents are the nodes
of its inputs, or the input tensors themselves for leaves. ``run_backward``

1. runs the nodes that received a gradient newest first, by their creation number
   (``Node._seq``, from a heap): an op is always recorded after the ops that made its
   inputs, so every consumer of a node has run, and sent its gradient, before the node
   itself runs; reused tensors and diamonds get the *sum*. No recursion, and no
   separate sorting pass;
2. calls each node's ``backward``, reduces each returned gradient to its input's exact
   shape and dtype (``sum_to``: broadcasting is undone here and nowhere else), and
   passes it on; leaves accumulate into ``.grad``.

With ``create_graph=True`` the backward ops are themselves recorded (they are ordinary
Tensor ops), which is all higher-order gradients need. In a plain backward, gradients
between ops declared ``array_backward`` travel as numpy arrays and are wrapped into
Tensors only where a Tensor is needed (``.grad`` fields, other ops' backwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush

import numpy as np

from .. import _tensor as _t
from .anomaly import check_finite
from .function import Node
from .thread_state import current


def sum_to(grad, shape: tuple, op: str = "backward"):
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


def _as_tensor(grad):
    """A gradient kept as an array (plain backward) as a Tensor, for ``.grad`` fields and
    for backwards that take Tensors."""
    if isinstance(grad, _t.Tensor):
        return grad
    return _t._wrap(grad if type(grad) is np.ndarray else np.asarray(grad))


def _cast(grad, dtype):
    return grad.to(dtype) if isinstance(grad, _t.Tensor) else grad.astype(dtype)


def _array(grad) -> np.ndarray:
    return grad.data if isinstance(grad, _t.Tensor) else np.asarray(grad)


def _fresh(grad, handed: set):
    """Return ``grad`` or a copy, so no two ``.grad`` fields ever share memory.

    Ops may pass one gradient on unchanged (add sends ``grad`` to both inputs) or as a
    view (reshape, expand); a leaf must own its ``.grad`` because it is later updated
    in place.
    """
    data = grad.data
    if data.base is not None or not data.flags.writeable or id(data) in handed:
        grad = grad.clone()
        data = grad.data
    handed.add(id(data))
    return grad


def _accumulate_into(tensor, grad, create_graph: bool, handed: set) -> None:
    if tensor.grad is None:
        tensor.grad = _fresh(grad, handed)
    elif create_graph:
        tensor.grad = tensor.grad + grad
    else:
        _t.write_in_place(tensor.grad, grad.data, np.add)


def run_backward(roots: Sequence, root_grads: Sequence, retain_graph: bool, create_graph: bool,
                 inputs: Sequence | None = None, allow_unused: bool = False):
    """Backpropagate ``root_grads`` from ``roots``.

    With ``inputs=None`` leaves accumulate into ``.grad`` (``Tensor.backward``). Otherwise
    the gradients of ``inputs`` are returned and no ``.grad`` is touched
    (``autograd.grad``).
    """
    Tensor = _t.Tensor
    ndarray = np.ndarray
    grad_types = (Tensor, np.generic)  # besides ndarray: what a gradient may be as it is
    handed: set = set()
    pending: dict = {}  # node or leaf -> gradient summed so far
    for root, grad in zip(roots, root_grads):
        handed.add(id(grad.data))
        key = root.grad_fn if root.grad_fn is not None else root
        pending[key] = grad if key not in pending else pending[key] + grad

    targets = None
    if inputs is not None:
        targets = {(t.grad_fn if t.grad_fn is not None else t): i for i, t in enumerate(inputs)}
        captured = [None] * len(inputs)

    # Leaf roots (x.backward() on a leaf) are done before any node runs.
    for key in [k for k in pending if not isinstance(k, Node)]:
        grad = pending.pop(key)
        if targets is not None:
            if key in targets:
                captured[targets[key]] = grad
        else:
            _accumulate_into(key, grad, create_graph, handed)

    # Nodes waiting to run, as (-creation number, node): the newest pops first. While
    # only one node waits (all along a chain), it is held in `single`, off the heap.
    ready = [(-node._seq, node) for node in pending]
    ready.sort()
    single = None
    state = current()
    prev_mode = state.grad_enabled
    state.grad_enabled = create_graph
    plain, anomaly = not create_graph, state.anomaly  # fixed for this whole pass
    try:
        while single is not None or ready:
            if single is not None:
                node, single = single, None
            else:
                node = heappop(ready)[1]
            grad = pending.pop(node)
            if node._retained is not None:
                owner = node._retained()
                if owner is not None and owner.grad_fn is node and targets is None:
                    _accumulate_into(owner, _as_tensor(grad), create_graph, handed)
            if targets is not None and node in targets:
                captured[targets[node]] = _as_tensor(grad)
            # Gradients travel as arrays between array-capable ops in a plain backward
            # (0-d ones as numpy scalars, which ops on 0-d arrays return).
            fn = node._fn
            if fn.array_backward and plain:
                if isinstance(grad, Tensor):
                    grad = grad.data
            elif not isinstance(grad, Tensor):
                grad = _as_tensor(grad)

            grads = _backward_named(node, grad) if anomaly else fn.backward(node, grad)
            if not retain_graph and node._saved:
                node._saved = node._plain = None  # free the saved buffers
            if type(grads) is not tuple:
                grads = (grads,)
            parents = node._parents
            if len(grads) != len(parents):
                raise RuntimeError(f"{node.name()}: backward returned {len(grads)} gradients "
                                   f"but forward had {len(parents)} inputs")
            for parent, g in zip(parents, grads):
                if parent is None or g is None:
                    continue
                if type(g) is not ndarray and not isinstance(g, grad_types):
                    g = np.asarray(g)  # a number or array-like from a custom backward
                # Reduce to the parent's shape and dtype (dtypes of one type are usually
                # one object: identity first), then pass on or accumulate.
                if isinstance(parent, Node):
                    if g.shape != parent._shape:
                        g = sum_to(g, parent._shape, node.name())
                    if g.dtype is not parent._dtype and g.dtype != parent._dtype:
                        g = _cast(g, parent._dtype)
                    if anomaly:
                        check_finite(_array(g), f"{node.name()} backward")
                    before = pending.get(parent)
                    if before is None:
                        pending[parent] = g
                        if single is None and not ready:
                            single = parent
                        else:
                            if single is not None:
                                heappush(ready, (-single._seq, single))
                                single = None
                            heappush(ready, (-parent._seq, parent))
                    else:
                        pending[parent] = before + g
                    continue
                data = parent.data  # a leaf
                if g.shape != data.shape:
                    g = sum_to(g, data.shape, node.name())
                if g.dtype is not data.dtype and g.dtype != data.dtype:
                    g = _cast(g, data.dtype)
                if anomaly:
                    check_finite(_array(g), f"{node.name()} backward")
                if targets is not None:
                    if parent in targets:
                        i = targets[parent]
                        g = _as_tensor(g)
                        captured[i] = g if captured[i] is None else captured[i] + g
                elif (parent.grad is None and type(g) is ndarray and g.base is None
                      and id(g) not in handed and g.flags.writeable):
                    handed.add(id(g))  # a fresh array from backward: the leaf can own it
                    parent.grad = _t._wrap(g)
                else:
                    _accumulate_into(parent, _as_tensor(g), create_graph, handed)
    finally:
        state.grad_enabled = prev_mode

    if targets is None:
        return None
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: input {i} (shape {t.shape}) was not used to compute the "
                "outputs; pass allow_unused=True to get None for it")
        if g is not None and not create_graph:
            captured[i] = _fresh(g, handed)
    return tuple(captured)


def _backward_named(node, grad):
    """Anomaly mode: run ``node``'s backward with the per-op forward checks off, so a
    NaN/inf it makes is reported by the check of its gradients, under the node's name,
    rather than under the name of whichever helper op (a Div, a Mul) first saw it."""
    state = current()
    state.anomaly = False
    try:
        return node._fn.backward(node, grad)
    finally:
        state.anomaly = True


def _as_grad(value, like, what: str):
    Tensor = _t.Tensor
    if value is None:
        if like.data.size != 1:
            raise RuntimeError(
                f"{what}: grad can be created implicitly only for scalar outputs, but the "
                f"output has shape {like.shape}; pass gradient= (a tensor of that shape), "
                "or reduce it first, e.g. y.sum().backward()")
        ones = np.empty(like.data.shape, like.data.dtype)
        ones.fill(1)
        return _t._wrap(ones)
    g = value if isinstance(value, Tensor) else _t.tensor(value, dtype=like.dtype)
    if g.shape != like.shape:
        raise ValueError(f"{what}: gradient has shape {g.shape} but the output has shape "
                         f"{like.shape}; they must match")
    if g.dtype != like.dtype:
        g = g.to(like.dtype)
    return g


def backward(tensor, gradient=None, retain_graph: bool = False,
             create_graph: bool = False) -> None:
    """``Tensor.backward``: accumulate d(tensor)/d(leaf) into every leaf's ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; did you create "
            "its inputs with requires_grad=True, and compute it outside mg.no_grad()?")
    grad = _as_grad(gradient, tensor, "backward")
    run_backward([tensor], [grad], retain_graph or create_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
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
    roots, root_grads = [], []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError("autograd.grad: an output does not require grad (it does not "
                               "depend on any input that requires grad)")
        roots.append(out)
        root_grads.append(_as_grad(g, out, "autograd.grad"))
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(roots, root_grads, retain_graph, create_graph, inputs, allow_unused)
