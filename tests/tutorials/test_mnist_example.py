"""pytorch/examples' ``mnist/main.py`` on ``import minigrad as torch`` (``torch.nn as nn``,
``torch.nn.functional as F``, ``torch.optim as optim``, torchvision's ``datasets`` and
``transforms``, ``torch.optim.lr_scheduler.StepLR``): its CNN (``Conv2d``, ``relu``,
``max_pool2d``, ``Dropout``, ``torch.flatten(x, 1)``, ``log_softmax``), the accelerator
check that falls back to ``torch.device("cpu")``, ``datasets.MNIST('../data', ...)``
through ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``, loaders built from
kwargs dicts, ``Adadelta(lr=1.0)`` with ``StepLR(step_size=1, gamma=0.7)``, and the train
and test functions with their log lines (``nll_loss(..., reduction='sum')``,
``argmax(dim=1, keepdim=True)``, ``pred.eq(target.view_as(pred))``). A narrower net and
small fake MNIST files; where torch is installed, its test pass prints the same line from
the same weights (training differs by dropout's random masks)."""

import numpy as np
import pytest
from fashion_files import mnist_root

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad import datasets, transforms
from minigrad.optim.lr_scheduler import StepLR


def net(nn, F, torch):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(1152, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.dropout2(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), dim=1)

    return Net()


def train(model, device, train_loader, optimizer, epoch, log, log_interval=1):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            log.append('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(  # noqa: UP032
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def evaluate(F, torch, model, device, test_loader, log):  # the script's test()
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    log.append('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(  # noqa: UP032
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


def main(tmp_path, monkeypatch, epochs=2):
    _, arrays = mnist_root(tmp_path, monkeypatch, n_train=96, n_test=40)
    (tmp_path / "run").mkdir()
    monkeypatch.chdir(tmp_path / "run")  # the script reads '../data'
    use_accel = torch.accelerator.is_available()
    torch.manual_seed(1)
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    train_kwargs = {'batch_size': 32}
    test_kwargs = {'batch_size': 1000}
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.1307,), (0.3081,))])
    dataset1 = datasets.MNIST('../data', train=True, download=True, transform=transform)
    dataset2 = datasets.MNIST('../data', train=False, transform=transform)
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)
    model = net(nn, F, torch).to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    log = []
    for epoch in range(1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch, log)
        evaluate(F, torch, model, device, test_loader, log)
        scheduler.step()
    return log, model, arrays, optimizer


def test_the_example_on_minigrad(tmp_path, monkeypatch):
    log, _, _, optimizer = main(tmp_path, monkeypatch)
    assert log[0].startswith("Train Epoch: 1 [0/96 (0%)]\tLoss: ")
    assert log[2].startswith("Train Epoch: 1 [64/96 (67%)]")
    assert log[3].startswith("\nTest set: Average loss: ")
    losses = [float(line.split("Loss: ")[1]) for line in log if line.startswith("Train")]
    assert len(losses) == 6 and all(np.isfinite(losses))
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1.0 * 0.7 ** 2)


@pytest.mark.needs_torch
def test_torch_tests_the_trained_weights_to_the_same_line(tmp_path, monkeypatch):
    real = pytest.importorskip("torch")
    log, model, arrays, _ = main(tmp_path, monkeypatch, epochs=1)
    twin = net(real.nn, real.nn.functional, real)
    twin.load_state_dict({k: real.from_numpy(v.detach().numpy().copy())
                          for k, v in model.state_dict().items()})
    images, labels = arrays["t10k"]
    x = real.from_numpy(images).unsqueeze(1).float().div(255)
    dataset = real.utils.data.TensorDataset((x - 0.1307) / 0.3081,
                                            real.from_numpy(labels.astype(np.int64)))
    theirs = []
    evaluate(real.nn.functional, real, twin, real.device("cpu"),
         real.utils.data.DataLoader(dataset, batch_size=1000), theirs)
    assert log[-1] == theirs[0]
