"""demos.classify: the lesson, its run folders, checkpoints and exact --resume."""

import math
import os

import numpy as np
import pytest

import minigrad as mg
from demos import classify

FAST = ("--epochs", "4", "--quiet")


def test_learns_digits_and_writes_its_files(tmp_path, run_demo):
    out = str(tmp_path / "run")
    done = run_demo(classify, "--epochs", "6", "--out", out, "--quiet", "--seed", "1")
    assert done.code == 0, done.err
    assert f"ln(10) = {math.log(10):.4f}" in done.out
    initial = float(done.out.split("initial loss ")[1].split()[0])
    assert abs(initial - math.log(10)) < 0.15  # an untrained classifier guesses uniformly
    assert done.result["test_accuracy"] > 0.9
    assert "confusion matrix" in done.out and "<- worst" in done.out
    for name in ("model.safetensors", "curves.png"):
        assert os.path.getsize(os.path.join(out, name)) > 1000
    graph = [n for n in ("graph.svg", "graph.dot") if os.path.exists(os.path.join(out, n))]
    assert len(graph) == 1
    written = [os.path.join(out, n) for n in ("model.safetensors", "curves.png", *graph)]
    assert done.result["written"] == written
    assert done.out.rstrip().splitlines()[-1] == "wrote " + ", ".join(written)
    ckpt = mg.load(os.path.join(out, "model.safetensors"))
    assert ckpt["settings"]["epochs"] == 6 and ckpt["epoch"] == 6
    assert set(ckpt) >= {"model", "optimizer", "scheduler", "best", "history", "rng"}


def test_softmax_regression_and_early_stopping(tmp_path, run_demo):
    done = run_demo(classify, "--model", "softmax", "--epochs", "50", "--patience", "1",
                    "--out", str(tmp_path), "--quiet", "--optimizer", "adam", "--lr", "0.05")
    assert "early stopping" in done.out and done.result["epochs"] < 50
    assert done.result["test_accuracy"] > 0.85


@pytest.mark.parametrize("optimizer, lr", [("sgd", "0.05"), ("adam", "0.001")])
def test_each_optimizer_has_its_own_default_lr_shown_in_the_header(tmp_path, run_demo,
                                                                   optimizer, lr):
    done = run_demo(classify, "--optimizer", optimizer, "--epochs", "1", "--quiet",
                    "--out", str(tmp_path))
    header = done.out.splitlines()[0]
    assert f"lr {lr} (the default for {optimizer})" in header
    assert "1 BLAS thread" in header and str(tmp_path) in header
    assert ckpt_settings(tmp_path)["lr"] == float(lr)
    given = run_demo(classify, "--optimizer", optimizer, "--lr", "0.02", "--epochs", "1",
                     "--quiet", "--out", str(tmp_path / "b"))
    assert "lr 0.02," in given.out.splitlines()[0] and "default" not in given.out.splitlines()[0]


def test_adam_with_its_default_lr_learns_digits(tmp_path, run_demo):
    done = run_demo(classify, "--optimizer", "adam", "--epochs", "10", "--quiet",
                    "--out", str(tmp_path))
    assert done.result["test_accuracy"] > 0.95  # SGD's 0.05 gave about 91%


def ckpt_settings(folder):
    return mg.load(os.path.join(folder, "model.safetensors"))["settings"]


# ------------------------------------------------------------------------ run folders
def test_each_run_gets_its_own_folder(tmp_path, monkeypatch, run_demo):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert run_demo(classify, "--epochs", "1", "--quiet").code == 0
    base = tmp_path / "runs" / "classify"
    assert sorted(os.listdir(base)) == ["version_0", "version_1"]
    assert (base / "version_1" / "model.safetensors").exists()
    resumed = run_demo(classify, "--resume", "--quiet")  # the newest run, already finished
    assert resumed.code == 0 and "runs/classify/version_1" in resumed.out
    assert sorted(os.listdir(base)) == ["version_0", "version_1"]


def test_reusing_out_says_so_and_leaves_no_stale_graph(tmp_path, run_demo):
    (tmp_path / "graph.dot").write_text("digraph { stale }")
    (tmp_path / "graph.svg").write_text("<svg>stale</svg>")
    (tmp_path / "model.safetensors").write_bytes(b"old")
    done = run_demo(classify, "--epochs", "1", "--quiet", "--out", str(tmp_path))
    assert "holds an earlier run; its files are replaced" in done.err
    graphs = {n for n in ("graph.dot", "graph.svg") if (tmp_path / n).exists()}
    assert len(graphs) == 1 and "stale" not in (tmp_path / graphs.pop()).read_text()


# ----------------------------------------------------------------------- exact resume
def interrupt_at_epoch(monkeypatch, epoch):
    """Ctrl-C at the start of epoch ``epoch`` (1-based) of the next run."""
    real, calls = classify.run_epoch, []

    def run_epoch(run, batches):
        calls.append(1)
        if len(calls) == epoch:
            raise KeyboardInterrupt
        return real(run, batches)

    monkeypatch.setattr(classify, "run_epoch", run_epoch)
    return lambda: monkeypatch.setattr(classify, "run_epoch", real)


@pytest.mark.parametrize("extra", [(), ("--optimizer", "adam", "--schedule", "constant"),
                                   ("--model", "cnn")])
def test_resume_continues_an_interrupted_run_exactly(tmp_path, monkeypatch, run_demo, extra):
    whole, split = str(tmp_path / "whole"), str(tmp_path / "split")
    args = ("--epochs", "5", "--patience", "5", "--quiet", *extra)
    straight = run_demo(classify, *args, "--out", whole)
    assert straight.code == 0

    undo = interrupt_at_epoch(monkeypatch, 3)
    stopped = run_demo(classify, *args, "--out", split)
    undo()
    assert stopped.code == 130
    assert stopped.error_lines == [
        f"python -m demos.classify: error: interrupted in epoch 3; the last good checkpoint "
        f"is {split}/model.safetensors (after epoch 2); continue with: python -m "
        f"demos.classify --resume --out {split}"]
    assert "Traceback" not in stopped.err

    resumed = run_demo(classify, "--resume", "--out", split, "--quiet")
    assert resumed.code == 0, resumed.err
    assert f"resumed from {split}/model.safetensors after epoch 2" in resumed.out
    a, b = straight.result["history"], resumed.result["history"]
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert a[key] == b[key], key  # the same curve, bit for bit
    assert resumed.result["test_accuracy"] == straight.result["test_accuracy"]
    wa = mg.load(os.path.join(whole, "model.safetensors"))
    wb = mg.load(os.path.join(split, "model.safetensors"))
    for part in ("model", "best"):
        sa = wa[part] if part == "model" else wa[part]["model"]
        sb = wb[part] if part == "model" else wb[part]["model"]
        for name in sa:
            np.testing.assert_array_equal(np.asarray(sa[name]), np.asarray(sb[name]))


def test_ctrl_c_before_any_checkpoint_says_so(tmp_path, monkeypatch, run_demo):
    interrupt_at_epoch(monkeypatch, 1)
    done = run_demo(classify, *FAST, "--out", str(tmp_path))
    assert done.code == 130
    assert done.error_lines == ["python -m demos.classify: error: interrupted in epoch 1; no "
                                "checkpoint was written yet"]


@pytest.fixture
def finished_run(tmp_path, run_demo):
    out = str(tmp_path / "run")
    assert run_demo(classify, "--epochs", "2", "--quiet", "--out", out).code == 0
    return out


@pytest.mark.parametrize("argv, named", [
    (("--optimizer", "adam"), "--optimizer sgd, not --optimizer adam"),
    (("--lr", "0.1"), "--lr 0.05, not --lr 0.1"),
    (("--hidden", "64"), "--hidden 128, not --hidden 64"),
    (("--model", "softmax", "--seed", "3"), "--model mlp --seed 0, not --model softmax --seed 3"),
    (("--epochs", "4"), "--epochs 2, not --epochs 4"),  # cosine schedule: fixed length
])
def test_resume_refuses_other_settings_naming_them(finished_run, run_demo, argv, named):
    done = run_demo(classify, "--resume", "--out", finished_run, "--quiet", *argv)
    assert done.code == 1 and len(done.error_lines) == 1
    assert named in done.err and "Traceback" not in done.err


def test_resume_may_extend_a_constant_schedule(tmp_path, run_demo):
    out = str(tmp_path)
    run_demo(classify, "--epochs", "2", "--schedule", "constant", "--quiet", "--out", out)
    done = run_demo(classify, "--resume", "--epochs", "3", "--quiet", "--out", out)
    assert done.code == 0 and len(done.result["history"]["val_loss"]) == 3


@pytest.mark.parametrize("content, says", [
    (None, "no checkpoint"), (b"garbage", "not a readable checkpoint")])
def test_resume_without_a_good_checkpoint_is_one_line(tmp_path, run_demo, content, says):
    if content is not None:
        (tmp_path / "model.safetensors").write_bytes(content)
    done = run_demo(classify, "--resume", "--out", str(tmp_path), "--quiet")
    assert done.code == 1 and len(done.error_lines) == 1 and says in done.err


# ------------------------------------------------------------------------- divergence
def test_divergence_stops_and_lists_only_files_written(tmp_path, run_demo):
    stale = tmp_path / "model.safetensors"
    done = run_demo(classify, "--lr", "1e9", *FAST, "--out", str(tmp_path))
    assert done.code == 1 and len(done.error_lines) == 1
    assert "training diverged: the loss is nan in epoch 1" in done.err
    assert "--lr 1e+09 is too large" in done.err and "wrote no files" in done.err
    assert not stale.exists() and "restored the best weights" not in done.out


def test_curves_show_accuracy_in_percent_like_the_table(tmp_path, monkeypatch, run_demo):
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    run_demo(classify, "--epochs", "3", "--quiet", "--out", str(tmp_path))
    acc = figures[0].axes[1]
    assert acc.get_ylabel() == "accuracy (%)"
    assert max(max(line.get_ydata()) for line in acc.get_lines()[:2]) > 50


def test_a_non_finite_validation_loss_is_divergence_too(tmp_path, monkeypatch, run_demo):
    real = classify.evaluate

    def evaluate(model, x, y, batch_size=1024):
        loss, acc, pred = real(model, x, y, batch_size)
        return (float("inf") if len(y) == 144 else loss), acc, pred  # the validation split

    monkeypatch.setattr(classify, "evaluate", evaluate)
    done = run_demo(classify, *FAST, "--out", str(tmp_path))
    assert done.code == 1 and done.error_lines == [
        "python -m demos.classify: error: training diverged: the validation loss is inf after "
        "epoch 1; --lr 0.05 is too large for sgd (try --lr 0.005); wrote no files"]


def test_ctrl_c_after_training_still_names_the_checkpoint(tmp_path, monkeypatch, run_demo):
    def finish(run, seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(classify, "finish", finish)
    done = run_demo(classify, "--epochs", "2", "--quiet", "--out", str(tmp_path))
    assert done.code == 130
    assert f"interrupted; the last good checkpoint is {tmp_path}/model.safetensors (after " \
           "epoch 2)" in done.err
