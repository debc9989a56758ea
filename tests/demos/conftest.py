"""Helpers for the demo tests: run a demo in-process and read its exit code and output."""

import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "datasets"))  # idx_files: fake IDX data


class Finished:
    """What a demo run printed and how it ended."""

    def __init__(self, code, out, err, result=None):
        self.code, self.out, self.err, self.result = code, out, err, result

    @property
    def error_lines(self):
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def run_demo(capsys):
    """``run_demo(module, *argv)``: call ``module.main(argv)``; the exit code is 0 when it
    returns, SystemExit's code when it exits."""
    def run(module, *argv):
        capsys.readouterr()
        try:
            result, code = module.main(list(argv)), 0
        except SystemExit as exit_:
            result, code = None, exit_.code
        captured = capsys.readouterr()
        return Finished(code, captured.out, captured.err, result)

    return run


@pytest.fixture
def register_as(monkeypatch):
    """``register_as(cls, folder)``: the fake IDX files in ``folder`` count as ``cls``'s
    originals (their sha256 joins its known hashes) for this test."""
    def register(cls, folder):
        for path in Path(folder).iterdir():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            table = cls.sha256 if path.suffix == ".gz" else cls.sha256_idx
            monkeypatch.setitem(table, path.name, digest)

    return register
