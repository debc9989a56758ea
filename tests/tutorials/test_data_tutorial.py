"""The workflow of PyTorch's Learn-the-Basics "Datasets & DataLoaders" page, step by
step with its API calls in its order, on minigrad with only the imports changed (and
small fake Fashion-MNIST files in place of the download)."""

import csv

import numpy as np
import pytest
from fashion_files import fashion_root

import minigrad as torch
from minigrad import datasets
from minigrad.transforms import ToTensor
from minigrad.utils.data import DataLoader, Dataset


def _load(root):
    training_data = datasets.FashionMNIST(root=root, train=True, download=True,
                                          transform=ToTensor())
    test_data = datasets.FashionMNIST(root=root, train=False, download=True,
                                      transform=ToTensor())
    return training_data, test_data


def test_loading_indexing_and_iterating_a_dataset(tmp_path, monkeypatch):
    root, arrays = fashion_root(tmp_path, monkeypatch)
    training_data, test_data = _load(root)
    assert (len(training_data), len(test_data)) == (150, 70)

    # index it like a list and look at random samples, as the page's 3x3 grid does
    names = {k: name for k, name in enumerate(training_data.classes)}
    for _ in range(9):
        sample_idx = torch.randint(len(training_data), size=(1,)).item()
        img, label = training_data[sample_idx]
        assert names[label] == training_data.classes[arrays["train"][1][sample_idx]]
        assert img.squeeze().shape == (28, 28)
        np.testing.assert_array_equal(img.squeeze().numpy(),
                                      arrays["train"][0][sample_idx] / np.float32(255))

    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)

    train_features, train_labels = next(iter(train_dataloader))
    assert train_features.size() == (64, 1, 28, 28)
    assert train_labels.size() == (64,)
    img = train_features[0].squeeze()
    label = train_labels[0]
    assert img.shape == (28, 28) and f"Label: {label}" == f"Label: {label.item()}"  # 0-d: its value
    assert train_features.dtype == np.float32 and train_labels.dtype == np.int64
    assert 0 <= float(train_features.min()) and float(train_features.max()) <= 1
    # an epoch of the test loader: every sample once, the last batch short
    sizes = [len(y) for _, y in test_dataloader]
    assert sizes == [64, 6]


def test_showing_the_samples_with_matplotlib(tmp_path, monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    root, _ = fashion_root(tmp_path, monkeypatch)
    training_data, _ = _load(root)
    figure = plt.figure(figsize=(8, 8))
    try:
        for i in range(1, 10):
            sample_idx = torch.randint(len(training_data), size=(1,)).item()
            img, label = training_data[sample_idx]
            figure.add_subplot(3, 3, i)
            plt.title(training_data.classes[label])
            plt.axis("off")
            shown = plt.imshow(img.squeeze(), cmap="gray")
            assert shown.get_array().shape == (28, 28)
    finally:
        plt.close(figure)


class CustomImageDataset(Dataset):
    """The page's custom dataset: labels in a CSV file, one image file per sample (here
    .npy files read with numpy, where the page reads JPEGs with torchvision.io)."""

    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file, newline="") as f:
            self.img_labels = [(name, int(label)) for name, label in csv.reader(f)]
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        name, label = self.img_labels[idx]
        image = np.load(self.img_dir / name)
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


def test_a_custom_dataset_for_your_files(tmp_path, monkeypatch):
    _, arrays = fashion_root(tmp_path, monkeypatch)
    images, labels = arrays["t10k"]
    img_dir = tmp_path / "images"
    img_dir.mkdir()
    with open(tmp_path / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        for k, (image, label) in enumerate(zip(images[:10], labels[:10])):
            np.save(img_dir / f"item{k}.npy", image)
            writer.writerow([f"item{k}.npy", int(label)])

    data = CustomImageDataset(tmp_path / "labels.csv", img_dir, transform=ToTensor())
    assert len(data) == 10
    image, label = data[3]
    assert image.shape == (1, 28, 28) and label == labels[3]

    features, targets = next(iter(DataLoader(data, batch_size=4, shuffle=True)))
    assert features.size() == (4, 1, 28, 28) and targets.size() == (4,)
    for x, y in zip(features.numpy(), targets.numpy()):  # each sample kept its label
        k = int(np.flatnonzero((images[:10] == np.round(x[0] * 255)).all(axis=(1, 2)))[0])
        assert y == labels[k]


def test_the_same_loader_with_workers_as_pytorch_examples_passes_them(tmp_path, monkeypatch):
    root, _ = fashion_root(tmp_path, monkeypatch)
    training_data, _ = _load(root)
    kwargs = {"batch_size": 64, "num_workers": 2, "pin_memory": True, "shuffle": True}
    torch.manual_seed(1)
    threaded = [(x.numpy(), y.numpy()) for x, y in DataLoader(training_data, **kwargs)]
    torch.manual_seed(1)
    plain = [(x.numpy(), y.numpy()) for x, y in DataLoader(training_data, batch_size=64,
                                                           shuffle=True)]
    assert [b[0].shape for b in threaded] == [(64, 1, 28, 28), (64, 1, 28, 28),
                                              (22, 1, 28, 28)]
    for (a, b), (c, d) in zip(threaded, plain):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.mark.needs_torch
def test_batches_are_what_torchvision_and_torch_give(tmp_path, monkeypatch):
    real_torch = pytest.importorskip("torch")
    root, arrays = fashion_root(tmp_path, monkeypatch)
    training_data, _ = _load(root)
    images, labels = arrays["train"]
    # torchvision's ToTensor of the PIL image: the uint8 pixels / 255 as float32, (1, 28, 28)
    reference = real_torch.utils.data.TensorDataset(
        real_torch.from_numpy(images).unsqueeze(1).float().div(255),
        real_torch.from_numpy(labels.astype(np.int64)))
    ours = list(DataLoader(training_data, batch_size=64))
    theirs = list(real_torch.utils.data.DataLoader(reference, batch_size=64))
    assert len(ours) == len(theirs)
    for (x, y), (tx, ty) in zip(ours, theirs):
        assert x.size() == tuple(tx.size()) and str(x.dtype) == "float32"
        assert tx.dtype == real_torch.float32 and ty.dtype == real_torch.int64
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
