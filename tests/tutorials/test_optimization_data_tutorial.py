"""The data side of PyTorch's Learn-the-Basics "Optimizing Model Parameters" page on
minigrad with only the imports changed: the datasets with ToTensor, unshuffled loaders
of 64, and the train and test loops that read them (small fake Fashion-MNIST files in
place of the download); where torch is installed, the same loops in torch from the same
initial weights print the same numbers."""

import numpy as np
import pytest
from fashion_files import fashion_root

import minigrad as torch
from minigrad import datasets, nn
from minigrad.transforms import ToTensor
from minigrad.utils.data import DataLoader

learning_rate = 1e-1  # the page's 1e-3 needs its 60,000 samples; here are 150
batch_size = 64
epochs = 3


def network(torch, nn):
    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                nn.Linear(64, 10))

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    return NeuralNetwork()


def loops(torch):
    """The page's train_loop and test_loop over ``torch`` (minigrad or the real one),
    logging what they print."""

    def train_loop(dataloader, model, loss_fn, optimizer, log):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if batch % 1 == 0:  # the page logs every 100th of its 938 batches
                loss, current = loss.item(), batch * batch_size + len(X)
                log.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test_loop(dataloader, model, loss_fn, log):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        log.append(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, "
                   f"Avg loss: {test_loss:>8f} \n")

    return train_loop, test_loop


def _minigrad_run(tmp_path, monkeypatch):
    root, arrays = fashion_root(tmp_path, monkeypatch)
    training_data = datasets.FashionMNIST(root=root, train=True, download=True,
                                          transform=ToTensor())
    test_data = datasets.FashionMNIST(root=root, train=False, download=True,
                                      transform=ToTensor())
    train_dataloader = DataLoader(training_data, batch_size=64)
    test_dataloader = DataLoader(test_data, batch_size=64)
    torch.manual_seed(0)
    model = network(torch, nn)
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    train_loop, test_loop = loops(torch)
    log = []
    for t in range(epochs):
        log.append(f"Epoch {t+1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer, log)
        test_loop(test_dataloader, model, loss_fn, log)
    return log, initial, arrays


def test_the_loops_read_every_sample_in_batches_of_64(tmp_path, monkeypatch):
    log, _, _ = _minigrad_run(tmp_path, monkeypatch)
    progress = [line for line in log if line.startswith("loss:")]
    assert [line[-13:] for line in progress[:3]] == ["[   64/  150]", "[  128/  150]",
                                                     "[  150/  150]"]
    assert len(progress) == 3 * epochs
    losses = [float(line.split()[1]) for line in progress]
    assert losses[-1] < losses[0]  # it learns (the fake labels can be learnt by heart)
    assert log[-1].startswith("Test Error: \n Accuracy: ")


def _numbers(line):
    return [float(w.strip("%,[]/")) for w in line.replace("/", " ").split()
            if w.strip("%,[]/").replace(".", "", 1).isdigit()]


@pytest.mark.needs_torch
def test_torch_prints_the_same_numbers_from_the_same_weights(tmp_path, monkeypatch):
    real_torch = pytest.importorskip("torch")
    ours, initial, arrays = _minigrad_run(tmp_path, monkeypatch)

    def tensors(split):  # torchvision's ToTensor of each PIL image, and the labels
        images, labels = arrays[split]
        return real_torch.utils.data.TensorDataset(
            real_torch.from_numpy(images).unsqueeze(1).float().div(255),
            real_torch.from_numpy(labels.astype(np.int64)))

    model = network(real_torch, real_torch.nn)
    model.load_state_dict({k: real_torch.from_numpy(v) for k, v in initial.items()})
    train_dataloader = real_torch.utils.data.DataLoader(tensors("train"), batch_size=64)
    test_dataloader = real_torch.utils.data.DataLoader(tensors("t10k"), batch_size=64)
    loss_fn = real_torch.nn.CrossEntropyLoss()
    optimizer = real_torch.optim.SGD(model.parameters(), lr=learning_rate)
    train_loop, test_loop = loops(real_torch)
    theirs = []
    for t in range(epochs):
        theirs.append(f"Epoch {t+1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer, theirs)
        test_loop(test_dataloader, model, loss_fn, theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):  # float32 on both sides, summed in different orders
        assert a.split()[0] == b.split()[0]
        np.testing.assert_allclose(_numbers(a), _numbers(b), atol=2e-5, err_msg=f"{a} {b}")
