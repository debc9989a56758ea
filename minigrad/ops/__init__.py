"""The ops: one module per family, each op's forward and backward side by side.

Each class is an ``autograd.Function``; the ``grad_fn`` of its output is ``<Name>Backward``.
The layers and losses a model is built from live in ``minigrad.nn``.

| module | ops |
| --- | --- |
| arithmetic | Add Sub Mul Div Pow Neg |
| elementwise | Exp Log Sqrt Abs Sin Cos Sinh Cosh Sigmoid Tanh Relu LeakyRelu Clamp Maximum |
|             | Minimum |
|             | Where Cast Clone |
| reduction | Sum Mean Amax Amin MaxAt/MinAt (max/min with dim) LogSumExp; var std norm |
|           | argmax argmin |
| linalg | MatMul; dot mm bmm |
| softmax | Softmax LogSoftmax |
| shape | Reshape Permute Expand Cat GetItem IndexAdd Fill Copy; stack split chunk meshgrid |
| scatter | Scatter (``Tensor.scatter`` / ``scatter_``: writes at an index along a dim) |
| conv | Convolution ConvInputGrad (transposed conv) ConvWeightGrad; conv1d conv2d |
| pool | MaxPool MaxPoolGather MaxPoolScatter AvgPool AvgPoolScatter; max_pool2d avg_pool2d |
|      | adaptive_avg_pool2d (the layers are nn.Conv2d, nn.MaxPool2d, ...) |
| fused | FusedLinear SoftmaxCrossEntropy BinaryCrossEntropy BinaryCrossEntropyWithLogits: |
|       | the kernels behind ``nn.Linear`` and the losses, one node each; reduce_loss |
| normalization | BatchNorm (training-mode batch norm, one node); batch_norm |
"""

from ._util import normalize_dim, normalize_dims, operand
from .arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .elementwise import (
    Abs,
    Cast,
    Clamp,
    Clone,
    Cos,
    Cosh,
    Exp,
    LeakyRelu,
    Log,
    Maximum,
    Minimum,
    Relu,
    Sigmoid,
    Sin,
    Sinh,
    Sqrt,
    Tanh,
    clamp,
    compare,
    where,
)
from .linalg import MatMul, bmm, dot, matmul, mm
from .reduction import (
    amax,
    amin,
    argmax,
    argmin,
    logical_reduce,
    logsumexp,
    max,
    mean,
    min,
    norm,
    std,
    sum,
    var,
)
from .scatter import Scatter, scatter_index
from .shape import (
    UNARY,
    Copy,
    Fill,
    cat,
    chunk,
    expand,
    flatten,
    getitem,
    inplace,
    meshgrid,
    permute,
    repeat,
    reshape,
    setitem,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
)
from .softmax import log_softmax, softmax

__all__ = [
    "Scatter", "scatter_index",
    "normalize_dim", "normalize_dims", "operand", "Add", "Div", "Mul", "Neg", "Pow", "Sub",
    "Abs", "Cast", "Clamp", "Clone", "Cos", "Exp", "LeakyRelu", "Log", "Maximum", "Minimum",
    "Relu", "Sigmoid", "Sin", "Sqrt", "Tanh", "clamp", "compare", "where", "MatMul", "dot", "mm",
    "matmul", "amax", "amin", "argmax", "argmin", "logical_reduce", "logsumexp", "max", "mean",
    "min", "std", "sum", "var", "UNARY", "Copy", "Fill", "cat", "chunk", "expand", "flatten",
    "getitem", "inplace", "permute", "reshape", "setitem", "split", "squeeze", "stack",
    "transpose", "unsqueeze", "log_softmax", "softmax",
    "Sinh", "Cosh", "bmm", "norm", "meshgrid", "repeat",
]
