"""Graph diagrams: draw the autograd graph behind a tensor with graphviz.

>>> from minigrad.viz import draw_graph
>>> dot = draw_graph(loss, params=model)        # doctest: +SKIP
>>> dot.render("graph", format="svg")            # doctest: +SKIP

``draw_graph`` returns a ``graphviz.Digraph`` (``pip install graphviz``, and the
Graphviz ``dot`` program to render: ``apt-get install graphviz`` / ``brew install
graphviz``). Building the diagram needs only the Python package; ``dot`` runs when you
render. In Jupyter, a cell that ends with ``draw_graph(...)`` shows the picture inline
(the Digraph renders itself as SVG); tensors themselves display as before.

What is drawn:

* one box per recorded op (``MatMul``, ``FusedLinear``, ``SoftmaxCrossEntropy``), with
  the shape of its output;
* one record per tensor that matters: leaves that require grad (inputs, parameters) and
  the tensors you pass (outputs, or intermediates if another root uses them), each with
  its shape and dtype, its values with ``show_data`` (all of them for small tensors,
  min/mean/max for large ones) and its ``.grad`` with ``show_grad``;
* colours by role, explained in a legend: parameter, input, intermediate, output, op;
* with ``group_modules``, each ``nn.Module`` call as a box (cluster) around its ops and
  parameters, nested as the modules are, labelled ``name: Type``.

Numbers and tensors that do not require grad are constants to the graph and are not
drawn. Names come from ``params`` (a Module's ``named_parameters()`` or a dict), and
otherwise from the modules that recorded the ops. The walk over the graph is iterative;
past ``max_nodes`` graph nodes the diagram stops with a note saying how many were left
out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from ._tensor import Tensor
from .autograd.function import Node

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["draw_graph"]

COLORS = {  # fill colour per role; the legend lists them in this order
    "parameter": "#a8d1f0",
    "input": "#fff0a8",
    "intermediate": "#fcd5b4",
    "output": "#b9e4a3",
    "op": "#eeeeee",
}
_CLUSTER_FILLS = ("#f5f5fa", "#ebebf5", "#e1e1f0")
_SPINE = {"weight": "4"}  # op -> op edges pull straight; leaves fan in from the side
_SMALL = 8  # tensors with at most this many elements show every value
# Ops shown under their module's name where the Function's class name differs from it
_OP_LABELS = {"Relu": "ReLU", "LeakyRelu": "LeakyReLU"}


def draw_graph(*roots: Tensor, params: Any = None, show_data: bool = False,
               show_grad: bool = False, rankdir: str = "LR", group_modules: bool = True,
               max_nodes: int = 500, legend: bool = True) -> graphviz.Digraph:
    """Draw the autograd graph that produced ``roots`` as a ``graphviz.Digraph``.

    ``roots``: one or more Tensors (a loss, several outputs, or intermediates you want
    shown as values). ``params``: an ``nn.Module`` (its ``named_parameters()`` name the
    leaves and its ``named_modules()`` name the clusters) or a dict ``name -> Tensor``
    (any tensor in the graph, leaf or not, gets that name). ``show_data``/``show_grad``
    add values and gradients; ``rankdir`` is graphviz's (``"LR"``, ``"TB"``);
    ``group_modules`` draws module calls as clusters; ``max_nodes`` bounds the ops and
    leaves drawn (the rest is summarised in a note); ``legend`` adds the colour key.

    >>> import minigrad as mg
    >>> a = mg.tensor(2.0, requires_grad=True)
    >>> dot = draw_graph(a * 3 + 1)
    >>> sorted(n for n in ("Mul", "Add") if n in dot.source)
    ['Add', 'Mul']
    """
    try:
        import graphviz
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("draw_graph needs the graphviz package: pip install graphviz "
                          "(and the Graphviz 'dot' program to render)") from err
    tensors = _check_roots(roots)
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")

    graph = _Graph(tensors, max_nodes)
    names = _Names(params, graph.seen_modules() if group_modules or params is None else [])
    drawer = _Drawer(graph, names, show_data, show_grad)
    return drawer.build(graphviz, rankdir, group_modules, legend)


def _check_roots(roots: tuple[Any, ...]) -> list[Tensor]:
    if len(roots) == 1 and isinstance(roots[0], list | tuple):
        roots = tuple(roots[0])
    if not roots:
        raise TypeError("draw_graph: give at least one Tensor, e.g. draw_graph(loss)")
    out, seen = [], set()
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"draw_graph: expected Tensors, got {type(r).__name__}; pass the "
                            "tensor whose graph to draw, e.g. draw_graph(loss)")
        if r.grad_fn is None and not r.requires_grad:
            raise ValueError(
                "draw_graph: this tensor has no autograd graph (it does not require grad: "
                "a constant, detached, or computed under no_grad()). Compute it from "
                "tensors created with requires_grad=True (or from a model's parameters) "
                "outside no_grad(), and draw that result.")
        if id(r) not in seen:
            seen.add(id(r))
            out.append(r)
    return out


class _Graph:
    """The graph reachable from the roots, in breadth-first order, cut at ``max_nodes``.

    Items are Nodes (ops) and leaf Tensors, keyed by ``id`` (kept alive by the roots).
    """

    def __init__(self, roots: list[Tensor], max_nodes: int) -> None:
        self.roots = roots
        order: list = []
        index: dict[int, int] = {}
        consumers: dict[int, list] = {}  # item id -> the ops that take it, with repeats
        out_meta: dict[int, tuple] = {}  # op id -> (shape, dtype) of its output
        queue = deque()
        for r in roots:
            item = r.grad_fn if r.grad_fn is not None else r
            if r.grad_fn is not None:
                out_meta[id(item)] = (r.shape, r.dtype)
            if id(item) not in index:
                index[id(item)] = len(order)
                order.append(item)
                queue.append(item)
        while queue:  # iterative BFS: no recursion limit, nearest-the-output first
            item = queue.popleft()
            if not isinstance(item, Node):
                continue
            for parent in item._parents:
                if parent is None:
                    continue
                key = id(parent)
                if key not in index:
                    index[key] = len(order)
                    order.append(parent)
                    queue.append(parent)
                if index[key] < max_nodes:  # past the cut only count: no allocations
                    consumers.setdefault(key, []).append(item)
                    if isinstance(parent, Node):
                        out_meta[key] = (parent._shape, parent._dtype)
        self.order, self.index = order, index
        self.consumers, self.out_meta = consumers, out_meta
        self.shown = order[:max_nodes]
        self.hidden = len(order) - len(self.shown)
        self.max_nodes = max_nodes

    def is_shown(self, item) -> bool:
        return self.index[id(item)] < len(self.shown)

    def seen_modules(self) -> list:
        mods, seen = [], set()
        for item in self.shown:
            m = getattr(item, "module", None) if isinstance(item, Node) else None
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                mods.append(m)
        return mods


class _Names:
    """Names of tensors and modules, owners of parameters, and the module tree.

    Modules are named from ``params`` when it is a Module, and otherwise relative to the
    outermost modules that recorded ops (so a model whose ``forward`` runs an op itself
    names its submodules without being told).
    """

    def __init__(self, params, seen_modules: list):
        from .nn import Module  # here, not at import time: nn imports much more

        self.tensor: dict[int, str] = {}  # id(tensor) -> name
        self.named: list = []  # the named tensors themselves (non-leaves are drawn)
        self.param_ids: set[int] = set()  # tensors that params= declares parameters
        self.owner: dict[int, Any] = {}  # id(parameter) -> the module holding it
        self.module: dict[int, tuple] = {}  # id(module) -> (name, parent module or None)
        tree_roots = []
        if isinstance(params, Module):
            tree_roots.append(params)
        elif isinstance(params, Mapping):
            for name, t in params.items():
                if not isinstance(t, Tensor):
                    raise TypeError(f"draw_graph: params[{name!r}] is a "
                                    f"{type(t).__name__}, not a Tensor")
                self.tensor[id(t)] = str(name)
                self.named.append(t)
        elif params is not None:
            raise TypeError("draw_graph: params must be an nn.Module or a dict name -> Tensor, "
                            f"got {type(params).__name__}")
        # Outermost of the modules that recorded ops (not inside params or each other).
        inside: set[int] = set()
        for root in tree_roots:
            inside.update(id(m) for _, m in root.named_modules())
        candidates = [m for m in seen_modules if id(m) not in inside]
        below: set[int] = set()
        for m in candidates:
            below.update(id(sub) for _, sub in m.named_modules() if sub is not m)
        tree_roots += [m for m in candidates if id(m) not in below]
        for root in tree_roots:
            self._walk(root, declare=root is params)

    def _walk(self, root, declare: bool) -> None:
        for name, m in root.named_modules():
            if id(m) in self.module:
                continue
            parent_name = name.rpartition(".")[0]
            parent = None if m is root else self._by_name(root, parent_name)
            self.module[id(m)] = (name, parent)
            for key, p in m._parameters.items():
                if p is None or id(p) in self.owner:
                    continue
                self.owner[id(p)] = m
                self.tensor.setdefault(id(p), f"{name}.{key}" if name else key)
                if declare:
                    self.param_ids.add(id(p))

    def _by_name(self, root, dotted: str):
        m = root
        for part in dotted.split(".") if dotted else []:
            m = m._modules[part]
        return m

    def chain(self, module) -> list:
        """``module`` and its known ancestors, outermost first."""
        out = []
        while module is not None:
            out.append(module)
            module = self.module.get(id(module), ("", None))[1]
        return out[::-1]

    def label(self, module) -> str:
        name = self.module.get(id(module), ("", None))[0]
        kind = type(module).__name__
        return f"{name}: {kind}" if name else kind


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


class _Placement:
    """Where each drawn thing goes: DOT nodes by cluster (a module call, or None for the
    top level), and each cluster's chain of enclosing clusters."""

    def __init__(self):
        self.placed: dict = {}  # cluster key or None -> [(DOT name, attrs)]
        self.chain: dict = {}  # cluster key -> its chain, outermost first (for nesting)

    def put(self, key_chain: list, name: str, attrs: dict) -> None:
        key = key_chain[-1] if key_chain else None
        if key is not None:
            self.chain.setdefault(key, key_chain)
        self.placed.setdefault(key, []).append((name, attrs))

    def subgraphs(self, graphviz) -> dict:
        """A subgraph per cluster that holds nodes, and per ancestor of one."""
        subs = {key: graphviz.Digraph(f"cluster_{n}") for n, key in
                enumerate(k for k in self.placed if k is not None)}
        for key in list(self.chain):
            for anc in self.chain[key][:-1]:
                if anc not in subs:
                    subs[anc] = graphviz.Digraph(f"cluster_{len(subs)}")
                    self.chain.setdefault(anc, self.chain[key][
                        :self.chain[key].index(anc) + 1])
        return subs

    def emit(self, graphviz, dot, style) -> None:
        """Nodes into their clusters, each cluster into its parent (innermost first,
        iteratively: no recursion), the rest at the top of ``dot``."""
        subs = self.subgraphs(graphviz)
        for key, sub in subs.items():
            sub.attr(**style(key, len(self.chain[key]) - 1))
            for name, attrs in self.placed.get(key, ()):
                sub.node(name, **attrs)
        for key in sorted(subs, key=lambda k: -len(self.chain[k])):
            chain = self.chain[key]
            (subs[chain[-2]] if len(chain) > 1 else dot).subgraph(subs[key])
        for name, attrs in self.placed.get(None, ()):
            dot.node(name, **attrs)


class _Drawer:
    def __init__(self, graph: _Graph, names: _Names, show_data: bool, show_grad: bool):
        self.g, self.names = graph, names
        self.show_data, self.show_grad = show_data, show_grad
        self.ids: dict[int, str] = {}  # item id -> DOT node name
        self.src: dict[int, str] = {}  # item id -> DOT node its consumers' edges start at
        # Non-leaf tensors drawn as records: roots and named tensors, by their op.
        self.value_of: dict[int, Tensor] = {}
        for t in list(graph.roots) + names.named:
            if t.grad_fn is not None and id(t.grad_fn) in graph.index \
                    and graph.is_shown(t.grad_fn):
                self.value_of.setdefault(id(t.grad_fn), t)

    # ----------------------------------------------------------------- roles
    def leaf_role(self, t: Tensor) -> str:
        from .nn import Parameter

        return "parameter" if isinstance(t, Parameter) or id(t) in self.names.param_ids \
            else "input"

    # ---------------------------------------------------------------- clusters
    def clusters(self) -> dict[int, list[tuple[Any, Any]]]:
        """op id -> its chain of clusters, outermost first; a cluster is
        ``(module, representative)``: one per call of the module (a connected run of its
        ops), so a module called twice gets two boxes."""
        g, names = self.g, self.names
        ops = [it for it in g.shown if isinstance(it, Node)]
        chains = {id(op): names.chain(op.module) if op.module is not None else [] for op in ops}
        uf = _UnionFind()
        for op in ops:
            for parent in op._parents:
                if not isinstance(parent, Node) or not g.is_shown(parent):
                    continue
                for a, b in zip(chains[id(op)], chains[id(parent)]):
                    if a is not b:
                        break
                    uf.union((id(a), id(op)), (id(a), id(parent)))
        return {id(op): [(m, uf.find((id(m), id(op)))) for m in chains[id(op)]] for op in ops}

    # ------------------------------------------------------------------ build
    def build(self, graphviz, rankdir: str, group_modules: bool, legend: bool):
        """The Digraph: every drawn thing placed in its cluster, then the edges."""
        dot = self.digraph(graphviz, rankdir)
        chains = self.clusters() if group_modules else {}
        places = _Placement()
        roles_used = self.place_items(places, chains)
        edges = self.place_values(places, chains, roles_used)
        edges += self.input_edges(places)
        places.emit(graphviz, dot, self.cluster_style)
        for tail, head, attrs in edges:
            dot.edge(tail, head, **attrs)
        if legend:
            dot.node("legend", self.legend_label(roles_used), shape="plaintext",
                     style="", margin="0")
        return dot

    def digraph(self, graphviz, rankdir: str):
        """The empty Digraph with the diagram's fonts, spacing and canvas size."""
        n_drawn = len(self.g.shown) + len(self.value_of)
        return graphviz.Digraph(
            "minigrad",
            graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "12",
                        "nodesep": "0.25", "ranksep": "0.35",
                        # a canvas that grows with the node count (as pytorchviz's), so
                        # big graphs are scaled down less and their text stays readable
                        "size": f"{max(12.0, 0.5 * n_drawn):.0f}"},
            node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "box",
                       "style": "filled", "height": "0.3", "margin": "0.08,0.04"},
            edge_attr={"color": "#555555", "arrowsize": "0.6"})

    def place_items(self, places: _Placement, chains: dict) -> set:
        """Ops and leaves, each named by its place in the walk; returns the roles drawn."""
        roles_used = {"op"}
        for i, item in enumerate(self.g.shown):
            if isinstance(item, Node):
                name = f"op{i}"
                places.put(chains.get(id(item), []), name, self.op_attrs(item))
            else:
                name = f"t{i}"
                role = self.leaf_role(item)
                roles_used.add(role)
                places.put(self.leaf_chain(item, chains), name, self.tensor_attrs(item, role))
            self.ids[id(item)] = self.src[id(item)] = name
        return roles_used

    def place_values(self, places: _Placement, chains: dict, roles_used: set) -> list:
        """Records of the non-leaf tensors drawn (roots, named tensors), each after its
        op; returns the op -> record edges."""
        edges = []
        for j, (op_id, t) in enumerate(self.value_of.items()):
            name = f"v{j}"
            users = [c for c in self.g.consumers.get(op_id, ()) if self.g.is_shown(c)]
            role = "intermediate" if users else "output"
            roles_used.add(role)
            # deepest cluster holding the op and everything that uses its output
            common = chains.get(op_id, [])
            for c in users:
                common = _common_prefix(common, chains.get(id(c), []))
            places.put(common if users else [], name, self.tensor_attrs(t, role))
            edges.append((self.ids[op_id], name, _SPINE))
            self.src[op_id] = name  # consumers take the value from the record
        return edges

    def input_edges(self, places: _Placement) -> list:
        """Each op's inputs -> the op; inputs past the cut come from one "more" note."""
        g = self.g
        edges = []
        cut_from: set = set()
        for item in g.shown:
            if not isinstance(item, Node):
                continue
            for parent in item._parents:
                if parent is None:
                    continue
                if g.is_shown(parent):
                    edges.append((self.src[id(parent)], self.ids[id(item)],
                                  _SPINE if isinstance(parent, Node) else {}))
                elif id(item) not in cut_from:
                    cut_from.add(id(item))
                    edges.append(("more", self.ids[id(item)], {"style": "dashed"}))
        if g.hidden:
            places.put([], "more", {
                "label": f"… {g.hidden} more nodes not shown (max_nodes={g.max_nodes})",
                "shape": "note", "style": "dashed", "fontcolor": "#444444"})
        return edges

    def cluster_style(self, key: tuple, depth: int) -> dict:
        """A module call's box: its label, filled darker the deeper it is nested."""
        return dict(label=self.names.label(key[0]), style="rounded,filled",
                    fillcolor=_CLUSTER_FILLS[min(depth, len(_CLUSTER_FILLS) - 1)],
                    color="#9a9ab0", fontsize="11", margin="10")

    def leaf_chain(self, t: Tensor, chains: dict) -> list:
        """A parameter sits in the innermost cluster holding all its uses, no deeper than
        its owner module (a module called twice shares its parameters between the two
        boxes, so they sit just outside); inputs sit at the top."""
        owner = self.names.owner.get(id(t))
        users = [c for c in self.g.consumers.get(id(t), ()) if self.g.is_shown(c)]
        if owner is None or not chains or not users:
            return []
        common = chains.get(id(users[0]), [])
        for c in users[1:]:
            common = _common_prefix(common, chains.get(id(c), []))
        for depth, key in enumerate(common):
            if key[0] is owner:
                return common[:depth + 1]
        return common

    # ----------------------------------------------------------------- labels
    def op_attrs(self, node: Node) -> dict:
        op = escape(_OP_LABELS.get(node._fn.__name__, node._fn.__name__))
        meta = self.g.out_meta.get(id(node))
        shape = ""
        if meta is not None and len(meta[0]):
            shape = f'<br/><font point-size="9" color="#555555">{_shape(meta[0])}</font>'
        return {"label": f"<<b>{op}</b>{shape}>", "fillcolor": COLORS["op"],
                "style": "rounded,filled", "tooltip": node.name()}

    def tensor_attrs(self, t: Tensor, role: str) -> dict:
        name = self.names.tensor.get(id(t))
        meta = f"{_shape(t.shape)} {t.dtype}"
        cells = []
        if self.show_data:
            cells.append(("data", _values(t.array)))
        if self.show_grad:
            cells.append(("grad", "None" if t.grad is None else _values(t.grad.array)))
        title = f"<b>{escape(name)}</b>" if name else ""
        small = f'<font point-size="9">{escape(meta)}</font>'
        if t.ndim == 0 and cells:  # micrograd's record look: name | data | grad
            row = ([f"<td>{title}</td>"] if title else []) + [
                f"<td>{k} {escape(v)}</td>" for k, v in cells]
            body = (f"<tr>{''.join(row)}</tr>"
                    f'<tr><td colspan="{len(row)}" border="0">{small}</td></tr>')
        else:
            rows = ([title] if title else []) + [small] + [
                f"{k} {escape(v).replace(chr(10), '<br/>')}" for k, v in cells]
            body = "".join(f"<tr><td>{r}</td></tr>" for r in rows)
        label = (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" '
                 f'bgcolor="{COLORS[role]}">{body}</table>>')
        return {"label": label, "shape": "plaintext", "style": "", "margin": "0",
                "tooltip": f"{role}: {name or ''} {meta}".replace("  ", " ")}

    def legend_label(self, roles: set) -> str:
        cells = "".join(f'<td bgcolor="{c}">{r}</td>' for r, c in COLORS.items() if r in roles)
        return (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
                f'<tr><td border="0"><i>legend</i></td>{cells}</tr></table>>')


def _common_prefix(a: list, b: list) -> list:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def _shape(shape: tuple) -> str:
    return str(tuple(shape))


def _values(a: np.ndarray) -> str:
    """All values of a small array, or min/mean/max of a large one."""
    if a.size == 1:
        return f"{a.item():.4f}" if a.dtype.kind == "f" else str(a.item())
    if a.size <= _SMALL:
        return np.array2string(a, precision=4, separator=", ", max_line_width=48)
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} true"
    f = a.astype(np.float64, copy=False)
    return f"min {f.min():.4g}  mean {f.mean():.4g}  max {f.max():.4g}"
