"""Names that explain themselves: one name means one thing across the package."""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import minigrad as mg
import minigrad.ops as ops
from minigrad import nn
from minigrad.autograd import Function

ROOT = pathlib.Path(mg.__file__).parent.parent


def test_the_tensor_module_is_not_shadowed_by_the_factory():
    module = importlib.import_module("minigrad._tensor")
    assert inspect.ismodule(module) and module.Tensor is mg.Tensor
    assert inspect.isfunction(mg.tensor) and mg.tensor(1.0).dtype == mg.float32


def test_the_ops_table_lists_every_ops_module():
    listed = set(re.findall(r"^\| (\w+) +\|", ops.__doc__ or "", flags=re.M)) - {"module"}
    files = {p.stem for p in pathlib.Path(ops.__file__).parent.glob("*.py")
             if not p.stem.startswith("_")}
    assert listed == files


def test_no_op_shares_a_name_with_an_nn_layer():
    """The fused kernels behind nn layers (FusedLinear, SoftmaxCrossEntropy) cannot be
    mistaken for the layers; ops named like torch functions (tanh, softmax) are listed
    as Functions, layers as Modules."""
    layers = {name for name, obj in vars(nn).items()
              if inspect.isclass(obj) and issubclass(obj, nn.Module)}
    fused = importlib.import_module("minigrad.ops.fused")
    kernels = {name for name, obj in vars(fused).items()
               if inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function}
    assert kernels and not kernels & layers


def test_F_means_nn_functional_everywhere():
    imports = re.compile(r"^\s*(from \S+ )?import .*\bas F\b")
    found = [f"{path.name}: {line.strip()}" for path in (ROOT / "minigrad").rglob("*.py")
             for line in path.read_text().splitlines() if imports.search(line)]
    assert found and all("functional as F" in line for line in found), found


def _pyproject_section(name: str) -> str:
    """The body of one ``[section]`` of pyproject.toml (tomllib needs Python 3.11)."""
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
    assert match, f"pyproject.toml has no [{name}]"
    return match.group(1)


def test_ruff_enforces_the_complexity_limit():
    assert '"C90"' in _pyproject_section("tool.ruff.lint")
    limit = re.search(r"max-complexity\s*=\s*(\d+)", _pyproject_section("tool.ruff.lint.mccabe"))
    assert limit and int(limit.group(1)) <= 12


def test_the_package_ships_its_type_marker():
    assert (ROOT / "minigrad" / "py.typed").exists()
    assert "py.typed" in _pyproject_section("tool.setuptools.package-data")
