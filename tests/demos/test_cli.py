"""Every demo as a command-line tool: options checked up front and named, one-line errors
with a non-zero exit code, --debug, a closed pipe, --help and the README in agreement."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from idx_files import write_mnist_folder

from demos import classify, nonlinear, regression, shift
from minigrad.datasets import MNIST, FashionMNIST

ROOT = Path(__file__).parents[2]
DEMOS = {"classify": classify, "regression": regression, "nonlinear": nonlinear,
         "shift": shift}

BAD_OPTIONS = [
    (classify, ["--hidden", "abc"], "--hidden"),
    (classify, ["--hidden", "0"], "--hidden"),
    (classify, ["--hidden", ","], "--hidden"),
    (classify, ["--model", "softmax", "--hidden", "64"], "--hidden"),
    (classify, ["--model", "cnn", "--hidden", "64,32"], "--hidden"),
    (classify, ["--optimizer", "adam", "--momentum", "0.5"], "--momentum"),
    (classify, ["--momentum", "-1"], "--momentum"),
    (classify, ["--seed", "-1"], "--seed"),
    (classify, ["--patience", "0"], "--patience"),
    (classify, ["--lr", "nan"], "--lr"),
    (classify, ["--lr", "0"], "--lr"),
    (classify, ["--epochs", "0"], "--epochs"),
    (classify, ["--batch-size", "0"], "--batch-size"),
    (classify, ["--val-fraction", "1.5"], "--val-fraction"),
    (classify, ["--threads", "0"], "--threads"),
    (regression, ["--steps", "0"], "--steps"),
    (regression, ["--samples", "3", "--features", "3"], "--samples"),
    (regression, ["--lr", "inf"], "--lr"),
    (nonlinear, ["--depth", "0"], "--depth"),
    (nonlinear, ["--noise", "-1"], "--noise"),
    (shift, ["--epochs", "0"], "--epochs"),
    (shift, ["--noise", "-1"], "--noise"),
]


@pytest.mark.parametrize("module, argv, option", BAD_OPTIONS,
                         ids=[f"{m.__name__.split('.')[-1]} {' '.join(a)}"
                              for m, a, _ in BAD_OPTIONS])
def test_bad_options_are_refused_naming_the_option(run_demo, module, argv, option):
    done = run_demo(module, *argv)
    assert done.code == 2
    assert re.search(rf"error: argument {option}: \S", done.error_lines[-1]), done.err
    assert "Traceback" not in done.err


# --------------------------------------------------------------------------- data
def mnist_args(folder, dataset="mnist", *extra):
    return ("--dataset", dataset, "--data-dir", str(folder), "--epochs", "1", "--quiet",
            "--out", str(Path(folder).parent / "out"), *extra)


def test_missing_data_dir_is_one_line(tmp_path, run_demo):
    done = run_demo(classify, *mnist_args(tmp_path / "nowhere"))
    assert done.code == 1
    assert done.error_lines == ["python -m demos.classify: error: --data-dir "
                                f"{tmp_path / 'nowhere'}: no such folder"]


def test_empty_data_dir_says_what_to_put_there(tmp_path, run_demo):
    (tmp_path / "empty").mkdir()
    done = run_demo(classify, *mnist_args(tmp_path / "empty", "fashion-mnist"))
    assert done.code == 1 and len(done.error_lines) == 1
    line = done.error_lines[0]
    assert f"no fashion-mnist files in {tmp_path / 'empty'}" in line
    assert "train-images-idx3-ubyte.gz" in line and "--download" in line
    assert "download=True" not in line  # the demo's flag, not the library's argument


def test_truncated_gz_names_the_file(tmp_path, run_demo):
    folder = tmp_path / "mnist"
    write_mnist_folder(folder)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:40])
    done = run_demo(classify, *mnist_args(folder))
    assert done.code == 1 and len(done.error_lines) == 1
    assert f"{path}: the gzip stream ends early; the file is truncated" in done.err


def test_the_other_datasets_files_are_named(tmp_path, run_demo, register_as):
    folder = tmp_path / "mnist"
    write_mnist_folder(folder)
    register_as(MNIST, folder)
    done = run_demo(classify, *mnist_args(folder, "fashion-mnist"))
    assert done.code == 1 and len(done.error_lines) == 1
    assert "is MNIST's" in done.err and "these are the MNIST files" in done.err
    trained = run_demo(classify, *mnist_args(folder, "mnist"))
    assert trained.code == 0, trained.err  # the right files train


def test_files_that_are_not_the_originals_are_refused(tmp_path, run_demo):
    folder = tmp_path / "fashion-mnist"
    write_mnist_folder(folder)
    done = run_demo(classify, *mnist_args(folder, "fashion-mnist"))
    assert done.code == 1 and "is not the original" in done.err


def test_the_folder_holding_both_datasets_works(tmp_path, run_demo, register_as):
    write_mnist_folder(tmp_path / "data" / "fashion-mnist", n_train=20)
    register_as(FashionMNIST, tmp_path / "data" / "fashion-mnist")
    done = run_demo(classify, *mnist_args(tmp_path / "data", "fashion-mnist"))
    assert done.code == 0, done.err
    assert "Ankle boot" in done.out


def test_debug_shows_the_traceback(tmp_path, run_demo):
    done = run_demo(classify, *mnist_args(tmp_path / "nowhere", "mnist", "--debug"))
    assert done.code == 1
    assert "Traceback" in done.err and done.error_lines[-1].endswith("no such folder")


def test_ctrl_c_without_a_checkpoint_is_one_line(run_demo, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(regression, "gradient_descent", interrupted)
    done = run_demo(regression, "--steps", "5")
    assert done.code == 130
    assert done.error_lines == ["python -m demos.regression: error: interrupted (Ctrl-C)"]


def test_output_piped_into_head_stops_with_one_line(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "demos.regression", "--steps", "50", "--out", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head -0`: the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait() != 0
    assert err.strip() == "python -m demos.regression: error: output closed (broken pipe), " \
                          "stopped"


# ------------------------------------------------------------------ help and README
def options_of(module):
    parser = module.make_parser()
    return {s for a in parser._actions for s in a.option_strings
            if s.startswith("--") and s != "--help"}


@pytest.mark.parametrize("name", list(DEMOS))
def test_help_shows_every_option_with_its_default(name, capsys):
    module = DEMOS[name]
    with pytest.raises(SystemExit):
        module.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for action in module.make_parser()._actions:
        if action.option_strings[0] in ("-h",) or action.default is False:
            continue
        option = action.option_strings[-1]
        help_ = " ".join((action.help or "").split())
        assert help_ and help_.split(" (default")[0] in text, option
        assert re.search(re.escape(option) + r"\b", text)
        shown = re.search(re.escape(help_.split(" (default")[0][-30:]) + r".*?\(default: ([^)]*)\)",
                          text)
        assert shown, f"{option}: no default in --help"
        if action.default is not None:
            assert shown.group(1) == str(action.default), option


@pytest.mark.parametrize("name", list(DEMOS))
def test_readme_lists_the_same_options(name):
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"^Options of `{name}`: (.*?)(?:\n\n|\Z)", readme, re.M | re.S)
    assert match, f"README has no 'Options of `{name}`:' paragraph"
    listed = set(re.findall(r"`(--[a-z-]+)", match.group(1)))
    assert listed == options_of(DEMOS[name])
    module = DEMOS[name]
    defaults = {a.option_strings[-1]: a.default for a in module.make_parser()._actions}
    defaults.update({f"--{k.replace('_', '-')}": v
                     for k, v in getattr(module, "DEFAULTS", {}).items()})
    paragraph = " ".join(match.group(1).split())
    for option, value in re.findall(r"`(--[a-z-]+)[^`]*` \(([^ ,)]+)[,)]", paragraph):
        assert value == str(defaults[option]), option  # the README's default is the real one


def test_readme_says_where_to_run_the_demos_and_gives_the_results_commands():
    readme = (ROOT / "README.md").read_text()
    assert "from the clone's root" in readme
    results = readme.split("### Results")[1].split("\n## ")[0]
    rows = [line for line in results.splitlines() if line.startswith("| ") and "%" in line]
    assert rows and all("`python -m demos.classify" in row for row in rows)
    assert "--threads 1" in results or "one BLAS thread" in results


def test_download_fetches_missing_files(tmp_path, run_demo, register_as, monkeypatch):
    from minigrad.datasets import mnist as mnist_module

    source = tmp_path / "source"
    write_mnist_folder(source)
    register_as(MNIST, source)

    def fetch(url, sha256, folder, fname):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / fname).write_bytes((source / fname).read_bytes())

    monkeypatch.setattr(mnist_module, "_fetch", fetch)
    (tmp_path / "cache").mkdir()
    done = run_demo(classify, *mnist_args(tmp_path / "cache", "mnist", "--download"))
    assert done.code == 0, done.err
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(MNIST.sha256)


@pytest.mark.parametrize("threads", [1])  # more may be capped at the number of cores
def test_threads_limits_blas_through_threadpoolctl(run_demo, monkeypatch, tmp_path, threads):
    from threadpoolctl import threadpool_info

    seen = []
    real = regression.gradient_descent

    def gradient_descent(*args):
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        return real(*args)

    monkeypatch.setattr(regression, "gradient_descent", gradient_descent)
    done = run_demo(regression, "--threads", str(threads), "--steps", "5", "--out",
                    str(tmp_path))
    assert seen and set(seen) == {threads}
    assert f"{threads} BLAS thread" in done.out.splitlines()[0]
