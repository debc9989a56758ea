"""The demos run end to end (small settings) and teach what they claim."""

import math
import os

import numpy as np
import pytest

import minigrad as mg
from demos import classify, nonlinear, regression, shift


def test_classify_digits_learns_writes_files_and_resumes(tmp_path, capsys):
    out = str(tmp_path / "run")
    result = classify.main(["--epochs", "6", "--out", out, "--quiet", "--seed", "1"])
    text = capsys.readouterr().out
    assert f"ln(10) = {math.log(10):.4f}" in text
    initial = float(text.split("initial loss ")[1].split()[0])
    assert abs(initial - math.log(10)) < 0.15  # an untrained classifier guesses uniformly
    assert result["test_accuracy"] > 0.9
    assert "confusion matrix" in text and "<- worst" in text
    for name in ("model.npz", "curves.png"):
        assert os.path.getsize(os.path.join(out, name)) > 1000
    assert os.path.exists(os.path.join(out, "graph.svg")) or \
        os.path.exists(os.path.join(out, "graph.dot"))
    ckpt = mg.load(os.path.join(out, "model.npz"))
    assert set(ckpt) >= {"model", "optimizer", "epoch", "history", "best_val_loss"}

    resumed = classify.main(["--epochs", "8", "--out", out, "--quiet", "--seed", "1",
                             "--resume"])
    text = capsys.readouterr().out
    assert "resumed from" in text
    assert len(resumed["history"]["val_loss"]) == 8  # history continues, not restarts
    assert resumed["test_accuracy"] > 0.9


def test_classify_softmax_regression_and_early_stopping(tmp_path, capsys):
    result = classify.main(["--model", "softmax", "--epochs", "50", "--patience", "1",
                            "--out", str(tmp_path), "--quiet", "--optimizer", "adam",
                            "--lr", "0.05"])
    text = capsys.readouterr().out
    assert "early stopping" in text and result["epochs"] < 50
    assert result["test_accuracy"] > 0.85


def test_classify_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        classify.main(["--val-fraction", "1.5"])
    assert "--val-fraction" in capsys.readouterr().err


def test_classify_explains_missing_mnist_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="--data-dir|root"):
        classify.main(["--dataset", "mnist", "--data-dir", str(tmp_path), "--quiet",
                       "--out", str(tmp_path / "out")])


def test_regression_gradient_descent_matches_normal_equations(tmp_path, capsys):
    result = regression.main(["--out", str(tmp_path)])
    assert result["agree"] and result["gap"] < 1e-6
    x, y, _, _ = regression.make_data(200, 3, 0.5, 0)
    np.testing.assert_allclose(result["closed"], np.linalg.lstsq(
        np.hstack([x, np.ones((200, 1))]), y, rcond=None)[0], rtol=1e-10)
    assert "they agree" in capsys.readouterr().out
    assert os.path.exists(tmp_path / "regression.png")


def test_nonlinear_deep_linear_network_is_one_layer(tmp_path):
    result = nonlinear.main(["--steps", "300", "--out", str(tmp_path)])
    assert result["collapse_gap"] < 1e-4  # the product of the layers is the network
    assert result["acc_relu"] > 0.97 and result["acc_linear"] < 0.92
    assert os.path.exists(tmp_path / "nonlinear.png")


def test_shift_drops_accuracy_on_shifted_inputs(tmp_path):
    results = shift.main(["--epochs", "15", "--out", str(tmp_path)])
    assert results["original"] > 0.93
    assert results["inverted"] < 0.5 and results["moved 1 px right"] < results["original"]
    assert os.path.exists(tmp_path / "shift.png")


def test_translate_moves_pixels_and_fills_background():
    x = np.arange(64, dtype=np.float32).reshape(1, 64) + 1
    moved = shift.translate(x, 0, 1).reshape(8, 8)
    assert (moved[:, 0] == 0).all() and (moved[:, 1:] == x.reshape(8, 8)[:, :-1]).all()
    down = shift.translate(x, -1, 0).reshape(8, 8)
    assert (down[-1] == 0).all() and (down[:-1] == x.reshape(8, 8)[1:]).all()
