"""demos.classify --model cnn: the LeNet-style CNN on the bundled digits (8x8), its
defaults, its summary table and its graph diagram (exact --resume: test_classify.py)."""

import os
import re

import numpy as np
import pytest
from cifar_files import fake_files, write_folder
from idx_files import write_mnist_folder

import minigrad as mg
import minigrad.nn.functional as F
from demos import classify
from minigrad import nn
from minigrad.datasets import MNIST


def test_cnn_learns_digits_and_writes_its_files(tmp_path, run_demo):
    out = str(tmp_path / "run")
    done = run_demo(classify, "--model", "cnn", "--epochs", "3", "--quiet", "--out", out)
    assert done.code == 0, done.err
    header = done.out.splitlines()[0]
    assert header.startswith("CNN 8x8 conv16-pool-conv32-pool-64-10 on digits: adam, lr 0.001 "
                             "(the default for adam)")
    assert "Conv2d(1, 16, kernel_size=(3, 3)" in done.out and "MaxPool2d" in done.out
    assert done.result["epochs"] == 3 and done.result["test_accuracy"] > 0.75  # 84% here
    assert "confusion matrix" in done.out
    written = [os.path.basename(p) for p in done.result["written"]]
    assert written[:2] == ["model.safetensors", "curves.png"]
    assert written[2] in ("graph.svg", "graph.dot")
    ckpt = mg.load(os.path.join(out, "model.safetensors"))
    assert ckpt["settings"]["model"] == "cnn" and ckpt["settings"]["hidden"] == [64]
    shapes = {k: tuple(np.asarray(v).shape) for k, v in ckpt["model"].items()}
    assert shapes["0.weight"] == (16, 1, 3, 3) and shapes["3.weight"] == (32, 16, 3, 3)
    assert shapes["7.weight"] == (64, 32 * 2 * 2)  # two 2x2 pools: 8 -> 4 -> 2


@pytest.mark.parametrize("model, first_weight", [("cnn", (16, 3, 3, 3)), ("mlp", (512, 3072))])
def test_cifar10_colour_images_train_both_models(tmp_path, run_demo, model, first_weight):
    files = fake_files()  # 12 train and 5 test images in the real binary format
    write_folder(tmp_path / "cifar" / "cifar-10-batches-bin", files)
    out = str(tmp_path / "out")
    done = run_demo(classify, "--model", model, "--dataset", "cifar10", "--data-dir",
                    str(tmp_path / "cifar"), "--epochs", "1", "--val-fraction", "0.5",
                    "--quiet", "--out", out)
    assert done.code == 0, done.err
    header = "CNN 3x32x32 conv16-pool" if model == "cnn" else "MLP 3072-512-256-10"
    assert done.out.startswith(header)
    assert "6 train / 6 validation / 5 test samples" in done.out
    weights = mg.load(os.path.join(out, "model.safetensors"))["model"]
    assert tuple(np.asarray(weights["0.weight"]).shape) == first_weight


def test_cifar10_pixels_are_channels_first_rows(tmp_path):
    files = fake_files()
    write_folder(tmp_path / "cifar-10-batches-bin", files)
    args = classify.parse_args(["--dataset", "cifar10", "--data-dir", str(tmp_path),
                                "--val-fraction", "0.5"])
    data = classify.load_pixels(args)
    assert data.channels == 3 and data.image_shape == (32, 32) and data.n_features == 3072
    _, stored, labels = files["test_batch.bin"]  # stored CHW, as the format has it
    np.testing.assert_allclose(data.x_test, stored.reshape(5, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, labels)
    assert data.for_model("cnn").x_test.shape == (5, 3, 32, 32)


def test_missing_cifar10_files_are_one_line(tmp_path, run_demo):
    done = run_demo(classify, "--dataset", "cifar10", "--data-dir", str(tmp_path))
    assert done.code == 1 and done.err.count("\n") == 1
    assert "put cifar-10-binary.tar.gz (or its cifar-10-batches-bin folder) there" in done.err


def test_cnn_trains_on_28x28_mnist_files(tmp_path, run_demo, register_as):
    write_mnist_folder(tmp_path / "mnist", n_train=20)  # small files in the real format
    register_as(MNIST, tmp_path / "mnist")
    done = run_demo(classify, "--model", "cnn", "--dataset", "mnist", "--data-dir",
                    str(tmp_path / "mnist"), "--epochs", "1", "--quiet", "--out",
                    str(tmp_path / "out"))
    assert done.code == 0, done.err
    assert done.out.startswith("CNN 28x28 conv16-pool-conv32-pool-128-10 on mnist: adam")
    assert "28x28 images, 10 classes" in done.out
    assert "Linear(in_features=1568, out_features=128" in done.out  # 32 channels of 7x7


def test_images_reach_the_cnn_as_one_channel_and_the_mlp_as_rows():
    args = classify.parse_args(["--model", "cnn"])
    data = classify.load_pixels(args).standardised()
    cnn, mlp = data.for_model("cnn"), data.for_model("mlp")
    for split in ("x_train", "x_val", "x_test"):
        rows = getattr(data, split)
        assert getattr(cnn, split).shape == (len(rows), 1, 8, 8)
        assert getattr(mlp, split).shape == (len(rows), 64)
        np.testing.assert_array_equal(getattr(cnn, split).reshape(len(rows), -1), rows)
    assert cnn.n_features == mlp.n_features == 64 and cnn.y_test is data.y_test


@pytest.mark.parametrize("dataset, hidden, epochs, batch", [
    ("digits", [64], 10, 32), ("mnist", [128], 10, 64), ("fashion-mnist", [128], 10, 64)])
def test_cnn_defaults_per_dataset(dataset, hidden, epochs, batch):
    args = classify.parse_args(["--model", "cnn", "--dataset", dataset])
    assert (args.hidden, args.epochs, args.batch_size) == (hidden, epochs, batch)
    assert (args.optimizer, args.lr, args.schedule) == ("adam", 0.001, "cosine")
    mlp = classify.parse_args(["--dataset", dataset])
    assert mlp.optimizer == "sgd" and mlp.epochs in (15, 40)  # the MLP's are unchanged
    given = classify.parse_args(["--model", "cnn", "--dataset", dataset, "--optimizer", "sgd",
                                 "--epochs", "3"])
    assert (given.optimizer, given.lr, given.epochs) == ("sgd", 0.05, 3)


def test_help_shows_the_defaults_table(capsys):
    with pytest.raises(SystemExit):
        classify.main(["--help"])
    text = capsys.readouterr().out
    table = text.split("defaults that depend on the dataset and the model")[1]
    rows = [line.split() for line in table.splitlines()[1:] if line.strip()]
    assert rows[0] == ["dataset", "model", "hidden", "epochs", "batch", "size", "optimizer"]
    assert ["fashion-mnist", "cnn", "128", "10", "64", "adam"] in rows
    assert ["digits", "cnn", "64", "10", "32", "adam"] in rows
    assert ["mnist", "softmax,", "mlp", "256,128", "15", "128", "sgd"] in rows


def test_cnn_takes_one_hidden_size(run_demo):
    done = run_demo(classify, "--model", "cnn", "--hidden", "64,32")
    assert done.code == 2 and "argument --hidden: the cnn has one hidden dense layer, " \
                              "got 64,32" in done.err


def test_build_model_refuses_images_that_are_not_square():
    with pytest.raises(classify.DemoError, match="expected square images"):
        classify.build_model("cnn", 6 * 8, 10, [], (6, 8))
    model = classify.build_model("cnn", 784, 10, [], (28, 28))
    assert model(mg.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert isinstance(model[-1], nn.Linear) and model[-1].in_features == 32 * 7 * 7


# ------------------------------------------------------------- summary and graph diagram
def test_summary_shows_each_conv_layers_output_shape_and_parameters():
    model = classify.build_model("cnn", 784, 10, [128], (28, 28))
    rows = {line.split()[0]: line.split(None, 1)[1] for line in
            str(nn.summary(model, (1, 28, 28))).splitlines() if re.match(r"\w+-\d+ ", line)}
    assert rows["Conv2d-1"].split() == ["[-1,", "16,", "28,", "28]", "160"]  # 16*1*9 + 16
    assert rows["MaxPool2d-3"].split() == ["[-1,", "16,", "14,", "14]", "0"]
    assert rows["Conv2d-4"].split() == ["[-1,", "32,", "14,", "14]", "4,640"]  # 32*16*9 + 32
    assert rows["MaxPool2d-6"].split() == ["[-1,", "32,", "7,", "7]", "0"]
    assert rows["Linear-8"].split() == ["[-1,", "128]", "200,832"]  # 1568*128 + 128
    assert list(rows)[-1] == "Linear-10" and rows["Linear-10"].split()[-1] == "1,290"


def clusters_of(source: str) -> dict:
    """DOT node name -> the labels of the clusters around it, outermost first."""
    placed, stack = {}, []
    for line in source.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append("")
        elif s == "}" and stack:
            stack.pop()
        elif stack and not stack[-1] and s.startswith("color=") and "label=" in s:
            stack[-1] = re.search(r'label=("[^"]*"|\S+)', s).group(1).strip('"')
        elif m := re.match(r"(\w+) \[label=<(.*)> ", s):
            placed[m.group(1)] = (m.group(2), tuple(stack))
    return placed


def test_graph_groups_each_conv_layer_with_its_parameters_in_its_cluster():
    pytest.importorskip("graphviz")
    from minigrad.viz import draw_graph

    mg.manual_seed(0)
    model = classify.build_model("cnn", 64, 10, [64], (8, 8))
    loss = F.cross_entropy(model(mg.randn(4, 1, 8, 8)), mg.tensor([0, 1, 2, 3]))
    placed = clusters_of(draw_graph(loss, params=model).source)

    def where(text):
        hits = [clusters for label, clusters in placed.values() if text in label]
        assert len(hits) == 1, (text, hits)
        return hits[0]

    convs = [clusters for label, clusters in placed.values() if "<b>Convolution</b>" in label]
    assert sorted(convs) == [("Sequential", "0: Conv2d"), ("Sequential", "3: Conv2d")]
    for i, kind in ((0, "Conv2d"), (3, "Conv2d"), (7, "Linear"), (9, "Linear")):
        for p in ("weight", "bias"):
            assert where(f"<b>{i}.{p}</b>") == ("Sequential", f"{i}: {kind}")
    pools = sorted(c for label, c in placed.values() if "<b>MaxPool</b>" in label)
    assert pools == [("Sequential", "2: MaxPool2d"), ("Sequential", "5: MaxPool2d")]
    assert where("<b>SoftmaxCrossEntropy</b>") == ()  # the loss is outside the model
