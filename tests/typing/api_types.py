"""Type-level tests of minigrad's public API, for pyright (CI: ``pyright minigrad tests/typing``).

Nothing here runs: the code is only read by the type checker. Each ``assert_type`` is an
error when the inferred type differs, and each ``# pyright: ignore[...]`` marks a call
that must stay an error (an unneeded ignore is itself reported, see the line below).
"""
# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    import numpy as np
    from typing_extensions import assert_type

    import minigrad as mg
    import minigrad.nn.functional as F
    from minigrad import Tensor, nn, optim
    from minigrad.data import DataLoader, TensorDataset
    from minigrad.func import grad

    def tensors_and_operators(x: Tensor) -> None:
        assert_type(mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), Tensor)
        assert_type(mg.zeros(2, 3), Tensor)
        assert_type(mg.zeros((2, 3), dtype=mg.float64), Tensor)
        assert_type(mg.randn(4, 2, requires_grad=True), Tensor)
        assert_type(mg.arange(5), Tensor)
        assert_type(x + x, Tensor)
        assert_type(x * 2, Tensor)
        assert_type(2 * x, Tensor)
        assert_type(1 - x, Tensor)
        assert_type(x / np.ones(2), Tensor)
        assert_type(x ** 2, Tensor)
        assert_type(-x, Tensor)
        assert_type(x @ x.T, Tensor)
        assert_type(x > 0, Tensor)
        assert_type(x == x, Tensor)  # elementwise, as torch
        assert_type(x[0, 1:], Tensor)
        assert_type(x.relu(), Tensor)
        assert_type(x.tanh(), Tensor)
        assert_type(x.sum(), Tensor)
        assert_type(x.mean(dim=0, keepdim=True), Tensor)
        assert_type(x.reshape(2, -1), Tensor)
        assert_type(x.max(), Tensor)
        assert_type(x.max(dim=1).values, Tensor)
        assert_type(x.split(1), tuple[Tensor, ...])
        assert_type(mg.exp(x), Tensor)
        assert_type(mg.cat([x, x], dim=0), Tensor)
        assert_type(mg.stack([x, x]), Tensor)

    def properties(x: Tensor) -> None:
        assert_type(x.shape, tuple[int, ...])
        assert_type(x.size(), tuple[int, ...])
        assert_type(x.size(0), int)
        assert_type(x.ndim, int)
        assert_type(x.dtype, np.dtype)
        assert_type(x.item(), int | float | bool)
        assert_type(x.is_leaf, bool)  # the builtin bool, not the dtype mg.bool
        assert_type(x.requires_grad, bool)
        assert_type(x.grad, Tensor | None)
        assert_type(x.numpy(), np.ndarray)
        assert_type(mg.is_tensor(x), bool)

    def autograd(x: Tensor) -> None:
        loss = (x * x).sum()
        assert_type(loss.backward(), None)
        with mg.no_grad():
            assert_type(x * 2, Tensor)
        assert_type(grad(lambda t: (t ** 3).sum())(x), Tensor)

    class TwoHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Linear(4, 8)

        def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
            h = self.body(x).relu()
            return h.sum(dim=1), h.amax(dim=1)

    def modules_and_losses(x: Tensor, y: Tensor) -> None:
        assert_type(nn.Linear(2, 3)(x), Tensor)
        assert_type(nn.ReLU()(x), Tensor)
        assert_type(nn.Conv2d(1, 2, 3)(x), Tensor)
        assert_type(F.conv2d(x, x, padding="same"), Tensor)
        assert_type(nn.AvgPool2d(2)(x), Tensor)
        assert_type(F.cross_entropy(x, y), Tensor)
        assert_type(nn.CrossEntropyLoss()(x, y), Tensor)
        assert_type(nn.BatchNorm2d(3)(x), Tensor)
        assert_type(F.batch_norm(x, None, None, training=True), Tensor)
        assert_type(nn.Dropout2d(0.2)(x), Tensor)
        assert_type(nn.BatchNorm1d(3).running_mean, Tensor | None)
        assert_type(TwoHeads()(x), tuple[Tensor, Tensor])  # a module's call is its forward's
        nn.Linear(2, 3)("x")  # pyright: ignore[reportArgumentType]
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        assert_type(model(x), Any)  # whatever its last layer returns
        assert_type(model[0], nn.Module)
        assert_type(model.eval(), nn.Sequential)
        assert_type(model.parameters(), Iterator[nn.Parameter])
        assert_type(model.state_dict()["0.weight"], Tensor)

    def optimizers(model: nn.Module) -> None:
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        assert_type(opt.zero_grad(), None)
        assert_type(opt.step(), None)
        adam = optim.Adam([{"params": model.parameters(), "lr": 1e-3}])
        sched = optim.lr_scheduler.CosineAnnealingLR(adam, T_max=10)
        assert_type(sched.get_last_lr(), list[float])
        optim.SGD(model, lr=0.1)  # pyright: ignore[reportArgumentType]

    def data() -> None:
        loader = DataLoader(TensorDataset(np.zeros((10, 2)), np.arange(10)), batch_size=4)
        assert_type(iter(loader), Iterator[Any])  # batches have the samples' structure
        for xb, *_ in loader:
            assert_type(xb, Any)
        assert_type(len(loader), int)
        ahead = mg.utils.data.DataLoader(loader.dataset, 4, True, num_workers=2, pin_memory=True)
        assert_type(ahead, DataLoader)
        DataLoader(loader.dataset, 4, True, 2)  # pyright: ignore[reportCallIssue]
        to_tensor = mg.transforms.Compose([mg.transforms.ToTensor(),
                                           mg.transforms.Normalize((0.5,), (0.5,))])
        assert_type(mg.transforms.ToTensor()(np.zeros((2, 2), np.uint8)), Tensor)
        assert_type(mg.zeros(10).scatter_(0, mg.tensor(3), value=1), Tensor)
        mg.datasets.FashionMNIST("data", train=True, transform=to_tensor)

    def devices_dtypes_and_torch_names(x: Tensor, model: nn.Module) -> None:
        device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
        assert_type(device, mg.device)
        assert_type(x.device, mg.device)
        assert_type(x.to(device), Tensor)
        assert_type(x.to("cpu", mg.float64), Tensor)
        assert_type(x.to(mg.float), Tensor)
        assert_type(x.to(x), Tensor)
        assert_type(x.cpu().half().long(), Tensor)
        assert_type(model.to(device), nn.Module)
        assert_type(mg.zeros(2, device=device, dtype=mg.double), Tensor)
        assert_type(mg.normal(0.0, 1.0, size=(2,)), Tensor)
        assert_type(mg.normal(x, 1.0), Tensor)
        assert_type(x.t().mm(x), Tensor)
        assert_type(mg.matmul(input=x, other=x), Tensor)
        assert_type(f"{x:.4f}", str)
        assert_type(mg.accelerator.current_accelerator(), mg.device | None)
        assert_type(nn.LazyLinear(3)(x), Tensor)
        assert_type(F.smooth_l1_loss(x, x, beta=0.5), Tensor)
        assert_type(optim.RMSprop(model.parameters(), momentum=0.9).step(), None)
        mg.zeros(2, device=0)  # pyright: ignore[reportArgumentType]

    def what_the_tutorials_added(x: Tensor) -> None:
        assert_type(x.norm(), Tensor)
        assert_type(mg.norm(x, 1, dim=0, keepdim=True), Tensor)
        assert_type(x.sinh() + mg.cosh(x), Tensor)
        assert_type(mg.bmm(x, x).bmm(x), Tensor)
        assert_type(mg.meshgrid(x, x, indexing="ij"), tuple[Tensor, ...])
        assert_type(x.swapaxes(0, 1).swapdims(0, 1), Tensor)
        resize = mg.transforms.Compose([mg.transforms.Resize(32), mg.transforms.ToTensor()])
        assert_type(mg.transforms.Resize((32, 32))(np.zeros((28, 28), np.uint8)), np.ndarray)
        assert_type(resize, mg.transforms.Compose)
