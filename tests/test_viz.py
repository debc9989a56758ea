"""Graph diagrams (minigrad.viz): the DOT source follows the graph exactly; real renders."""

import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.viz import COLORS, draw_graph

NODE = re.compile(r"^\t*(\w+) \[(.*)\]$")
EDGE = re.compile(r"^\t*(\w+) -> (\w+)")


def parse(dot):
    """The DOT source as nodes {name: (attrs, cluster labels outermost first)} and edges."""
    nodes, edges, stack = {}, [], []
    for line in dot.source.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append(None)
        elif s == "}":
            if stack:
                stack.pop()
        elif stack and stack[-1] is None and "label=" in s and not s.endswith("]"):
            m = re.search(r'label=("[^"]*"|\S+)', s)  # the cluster's own attributes
            stack[-1] = m.group(1).strip('"')
        elif m := EDGE.match(line):
            edges.append(m.groups())
        elif (m := NODE.match(line)) and m.group(1) not in ("graph", "node", "edge"):
            nodes[m.group(1)] = (m.group(2), tuple(stack))
    nodes.pop("legend", None)
    return nodes, edges


def ops(nodes):
    """op name -> count."""
    out = {}
    for name, (attrs, _) in nodes.items():
        if name.startswith("op"):
            op = re.search(r"<b>(\w+)</b>", attrs).group(1)
            out[op] = out.get(op, 0) + 1
    return out


def find(nodes, text):
    hits = [n for n, (attrs, _) in nodes.items() if text in attrs]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def mlp():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
    x = mg.randn(4, 8)
    y = mg.tensor(np.array([0, 1, 2, 1]))
    return model, F.cross_entropy(model(x), y)


# ------------------------------------------------------------------ structure
def test_diamond_nodes_and_edges_exactly():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.exp() + y.sin()
    nodes, edges = parse(draw_graph(z))
    assert ops(nodes) == {"Add": 1, "Exp": 1, "Sin": 1, "Mul": 1}
    assert len(nodes) == 4 + 2  # the ops, the leaf x, the output z
    name = {op: find(nodes, f"<b>{op}</b>") for op in ("Add", "Exp", "Sin", "Mul")}
    leaf, out = find(nodes, "input"), find(nodes, "output")
    assert sorted(edges) == sorted([
        (leaf, name["Mul"]), (name["Mul"], name["Exp"]), (name["Mul"], name["Sin"]),
        (name["Exp"], name["Add"]), (name["Sin"], name["Add"]), (name["Add"], out)])
    assert "(2,) float32" in nodes[leaf][0] and "(2,) float32" in nodes[out][0]
    assert "(2,)" in nodes[name["Exp"]][0]  # ops show their output's shape


def test_reused_tensor_drawn_once_with_one_edge_per_use():
    x = mg.tensor(3.0, requires_grad=True)
    z = x * x + x
    nodes, edges = parse(draw_graph(z))
    leaf, mul, add = find(nodes, "input"), find(nodes, "<b>Mul</b>"), find(nodes, "<b>Add</b>")
    assert len(nodes) == 4
    assert sorted(edges) == sorted([(leaf, mul), (leaf, mul), (leaf, add), (mul, add),
                                    (add, find(nodes, "output"))])


def test_constants_are_not_drawn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(draw_graph(x * mg.tensor([3.0, 4.0]) + 1.0))
    assert ops(nodes) == {"Mul": 1, "Add": 1} and len(nodes) == 4 and len(edges) == 3


def test_mlp_parameter_names_roles_and_clusters():
    model, loss = mlp()
    nodes, edges = parse(draw_graph(loss, params=model))
    assert ops(nodes) == {"FusedLinear": 2, "ReLU": 1, "SoftmaxCrossEntropy": 1}
    for pname, p in model.named_parameters():
        n = find(nodes, f"<b>{pname}</b>")
        attrs, clusters = nodes[n]
        assert COLORS["parameter"] in attrs and f"{p.shape} float32" in attrs
        assert clusters == ("Sequential", f"{pname.split('.')[0]}: Linear")
    relu = find(nodes, "<b>ReLU</b>")
    assert nodes[relu][1] == ("Sequential", "1: ReLU")
    ce, out = find(nodes, "<b>SoftmaxCrossEntropy</b>"), find(nodes, "output")
    assert nodes[ce][1] == () and nodes[out][1] == ()  # the loss is not in the model
    assert COLORS["output"] in nodes[out][0] and "() float32" in nodes[out][0]
    assert (ce, out) in edges
    assert len(nodes) == 4 + 4 + 1 and len(edges) == 3 + 4 + 1  # ops, params, output


def test_params_dict_names_leaves_and_intermediates():
    a = mg.tensor(2.0, requires_grad=True)
    w = nn.Parameter(mg.tensor([1.0, 2.0]))
    e = a * w
    nodes, edges = parse(draw_graph(e.sum(), params={"a": a, "w": w, "e": e}))
    assert COLORS["input"] in nodes[find(nodes, "<b>a</b>")][0]
    assert COLORS["parameter"] in nodes[find(nodes, "<b>w</b>")][0]  # an nn.Parameter
    ev, mul = find(nodes, "<b>e</b>"), find(nodes, "<b>Mul</b>")
    assert COLORS["intermediate"] in nodes[ev][0]
    assert (mul, ev) in edges and (ev, find(nodes, "<b>Sum</b>")) in edges
    assert (mul, find(nodes, "<b>Sum</b>")) not in edges  # the value sits on the path
    with pytest.raises(TypeError, match="params"):
        draw_graph(e, params={"a": 2.0})
    with pytest.raises(TypeError, match="nn.Module or a dict"):
        draw_graph(e, params=[a])


def test_modules_named_without_params_and_nested_clusters():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(4, 5), nn.Linear(5, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).tanh())

    net = Net()
    nodes, _ = parse(draw_graph(net(mg.randn(3, 4)).sum()))  # no params=: Net ran an op
    assert nodes[find(nodes, "<b>Tanh</b>")][1] == ("Net",)
    assert nodes[find(nodes, "<b>fc1.weight</b>")][1] == ("Net", "fc1: Linear")
    assert nodes[find(nodes, "<b>fc2.bias</b>")][1] == ("Net", "fc2: Linear")
    assert nodes[find(nodes, "<b>Sum</b>")][1] == ()


def test_each_module_call_is_its_own_cluster():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.act = nn.Linear(4, 5), nn.Linear(5, 2), nn.ReLU()

        def forward(self, x):
            return self.act(self.fc2(self.act(self.fc1(x))))

    net = Net()
    dot = draw_graph(net(mg.randn(3, 4)).sum(), params=net)
    nodes, _ = parse(dot)
    relus = [c for n, (a, c) in nodes.items() if "<b>ReLU</b>" in a]
    assert relus == [("Net", "act: ReLU")] * 2
    assert dot.source.count('label="act: ReLU"') == 2  # two calls, two boxes


def test_nested_module_called_twice_shares_its_parameters_outside_both_calls():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return x + self.fc(x).tanh()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()

        def forward(self, x):
            return self.block(self.block(x) * 0.5)

    net = Net()
    dot = draw_graph(net(mg.randn(2, 3, requires_grad=True)).sum(), params=net)
    nodes, _ = parse(dot)
    assert [c for a, c in nodes.values() if "<b>Tanh</b>" in a] == [("Net", "block: Block")] * 2
    assert [c for a, c in nodes.values() if "<b>FusedLinear</b>" in a] == [
        ("Net", "block: Block", "block.fc: Linear")] * 2
    assert nodes[find(nodes, "<b>block.fc.weight</b>")][1] == ("Net",)
    assert nodes[find(nodes, "<b>Mul</b>")][1] == ("Net",)
    assert nodes[find(nodes, "input")][1] == ()  # data is nobody's parameter
    assert dot.source.count('label="block: Block"') == 2


def test_group_modules_false_and_legend():
    model, loss = mlp()
    dot = draw_graph(loss, params=model, group_modules=False)
    assert "subgraph" not in dot.source
    assert "<b>0.weight</b>" in dot.source  # names still come from params
    legend = dot.source[dot.source.index("legend ["):]
    assert "parameter" in legend and "output" in legend and "input" not in legend
    assert "legend" not in draw_graph(loss, legend=False).source


def test_params_none_names_parameters_relative_to_their_module():
    model, loss = mlp()
    nodes, _ = parse(draw_graph(loss))
    # Sequential ran no op itself, so it is unknown; each Linear names its own.
    assert nodes[find(nodes, "(6, 8) float32")][1] == ("Linear",)
    assert "<b>weight</b>" in nodes[find(nodes, "(6, 8) float32")][0]


def test_several_roots_and_intermediate_root():
    x = mg.tensor([1.0, -1.0], requires_grad=True)
    h = x.relu()
    a, b = h.sum(), (h * 2).mean()
    nodes, edges = parse(draw_graph(a, b, h))
    assert ops(nodes) == {"Sum": 1, "Mean": 1, "Mul": 1, "ReLU": 1}
    outs = [n for n, (attrs, _) in nodes.items() if COLORS["output"] in attrs]
    assert len(outs) == 2 and COLORS["intermediate"] in nodes[find(nodes, "intermediate")][0]
    assert parse(draw_graph([a, b, a]))[0].keys() == parse(draw_graph(a, b))[0].keys()


# ------------------------------------------------------------- values, errors
def test_show_data_and_grad_scalar_and_large():
    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(-3.0, requires_grad=True)
    L = a * b
    src = draw_graph(L, params={"a": a, "b": b}, show_data=True, show_grad=True).source
    assert "data 2.0000" in src and "grad None" in src  # no backward yet
    L.backward()
    src = draw_graph(L, params={"a": a, "b": b}, show_data=True, show_grad=True).source
    assert "<td>data 2.0000</td><td>grad -3.0000</td>" in src  # micrograd's record
    assert "data -3.0000" in src and "grad 2.0000" in src and "data -6.0000" in src
    w = mg.tensor(np.arange(100.0), requires_grad=True)
    src = draw_graph((w * 1).sum(), show_data=True).source
    assert "min 0  mean 49.5  max 99" in src and ">grad " not in src
    v = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert "data [1., 2., 3.]" in draw_graph(v * 2, show_data=True).source


def test_errors_and_leaf_root():
    with pytest.raises(TypeError, match="expected Tensors"):
        draw_graph(np.ones(3))
    with pytest.raises(TypeError, match="at least one"):
        draw_graph()
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for no_graph in (mg.tensor([1.0]), (x * 2).detach()):
        with pytest.raises(ValueError, match="requires_grad=True"):
            draw_graph(no_graph)
    with mg.no_grad():
        y = x * 2
    with pytest.raises(ValueError, match="no_grad"):
        draw_graph(y)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(x * 2, max_nodes=0)
    nodes, edges = parse(draw_graph(x))  # a leaf that requires grad: drawn alone
    assert len(nodes) == 1 and not edges and COLORS["input"] in nodes[find(nodes, "(2,)")][0]


def test_importing_minigrad_does_not_import_graphviz():
    code = "import minigrad, minigrad.viz, sys; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_jupyter_display_is_the_digraphs():
    x = mg.tensor(1.0, requires_grad=True)
    assert not any(hasattr(x * 2, a) for a in ("_repr_svg_", "_repr_mimebundle_"))
    assert hasattr(draw_graph(x * 2), "_repr_mimebundle_")


# ----------------------------------------------------------------- big graphs
def test_100k_chain_draws_iteratively_with_a_note():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(500)  # a recursive walk would fail at once
    try:
        start = time.perf_counter()
        dot = draw_graph(y, max_nodes=200)
        elapsed = time.perf_counter() - start
    finally:
        sys.setrecursionlimit(limit)
    assert elapsed < 5
    nodes, edges = parse(dot)
    assert ops(nodes) == {"Mul": 200}
    more = nodes.pop("more")[0]
    assert "99801 more nodes not shown (max_nodes=200)" in more  # 100,000 ops + x
    assert ("more", "op199") in edges  # the note stands for the cut-off inputs
    assert sum(1 for e in edges if e[0] == "more") == 1
    assert len(edges) == 199 + 1 + 1  # chain, output, note


def test_max_nodes_cut_keeps_the_part_nearest_the_output():
    model, loss = mlp()
    nodes, edges = parse(draw_graph(loss, params=model, max_nodes=3))
    assert ops(nodes) == {"SoftmaxCrossEntropy": 1, "FusedLinear": 1, "ReLU": 1}
    assert "5 more nodes not shown (max_nodes=3)" in nodes["more"][0]
    x = mg.tensor(1.0, requires_grad=True)
    h = x * 2
    y = h + 1 + 1
    nodes, _ = parse(draw_graph(y, params={"h": h}, max_nodes=2))  # h is past the cut
    assert ops(nodes) == {"Add": 2} and "<b>h</b>" not in str(nodes)


# ------------------------------------------------------------------ rendering
def _dot_binary():
    path = shutil.which("dot")
    assert path, "Graphviz 'dot' is not installed: apt-get install graphviz (CI does)"
    return path


def test_renders_svg_with_dot(tmp_path):
    _dot_binary()
    model, loss = mlp()
    loss.backward()
    dot = draw_graph(loss, params=model, show_data=True, show_grad=True)
    svg = (tmp_path / "g.svg")
    dot.render(tmp_path / "g", format="svg")
    text = svg.read_text()
    for label in ("0.weight", "2.bias", "0: Linear", "1: ReLU", "Sequential", "CrossEntropy",
                  "(6, 8) float32", "parameter", "output", "grad min"):
        assert label in text, label
    assert text.count("<g id=\"clust") == 4  # Sequential and its three calls
    png = dot.pipe(format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_renders_big_truncated_graph(tmp_path):
    _dot_binary()
    x = mg.tensor(np.ones(3), requires_grad=True)
    y = x
    for i in range(2000):
        y = y * 1.0 if i % 2 else y + 1.0
    text = draw_graph(y, max_nodes=100).pipe(format="svg").decode()
    assert "more nodes not shown (max_nodes=100)" in text and text.count("<b>") == 0
    assert text.count(">Mul<") + text.count(">Add<") == 100
