"""What the demos share: checked option types, the run folder, the BLAS thread limit,
one-line errors, and matplotlib (headless).

Every demo's ``main(argv)`` parses its options (argparse names the option at fault),
then runs its body through :func:`run`: an expected failure (missing or corrupt data,
an incompatible checkpoint, divergence, Ctrl-C, a closed pipe) becomes one line on
stderr and a non-zero exit code; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

INTERRUPTED = 130  # the shell's code for "killed by SIGINT" (128 + 2)


class DemoError(Exception):
    """An expected failure: its message becomes one line on stderr, ``code`` the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ option types
def integer(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an int in [low, high]; argparse names the option on failure."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        _check_range(value, text, low, high, False)
        return value

    parse.__name__ = "integer"
    return parse


def real(low: float | None = None, high: float | None = None,
         open_low: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite float in [low, high] (or (low, high] if ``open_low``)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        _check_range(value, text, low, high, open_low)
        return value

    parse.__name__ = "number"
    return parse


def _check_range(value: float, text: str, low: float | None, high: float | None,
                 open_low: bool) -> None:
    if low is not None and (value <= low if open_low else value < low):
        bound = f"greater than {low}" if open_low else f"at least {low}"
        if high is not None:
            bound += f" and at most {high}"
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
    if high is not None and value > high:
        raise argparse.ArgumentTypeError(f"must be at most {high}, got {text}")


def sizes(text: str) -> list[int]:
    """An argparse type: comma-separated positive layer sizes such as ``256,128``."""
    parts = [p.strip() for p in text.split(",")]
    if not all(re.fullmatch(r"[0-9]+", p) and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive sizes such as 256,128, got {text!r}")
    return [int(p) for p in parts]


class HelpFormatter(argparse.RawDescriptionHelpFormatter,
                    argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's layout and shows real defaults; an option whose default
    depends on other options says so in its own help (its argparse default is None)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default is None or default is False or default is argparse.SUPPRESS \
                or "default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def parser(prog: str, doc: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=prog, description=doc, formatter_class=HelpFormatter)


def add_run_options(p: argparse.ArgumentParser, demo: str) -> None:
    """--seed, --threads, --out and --debug, the same in every demo."""
    p.add_argument("--seed", type=integer(0), default=0, metavar="N",
                   help="random seed (data, initial weights, shuffling)")
    p.add_argument("--threads", type=integer(1), default=1, metavar="N",
                   help="BLAS threads (through threadpoolctl); 1 keeps the time per epoch "
                        "steady on a shared machine, and results depend on it slightly")
    p.add_argument("--out", default=None, metavar="DIR",
                   help=f"folder for the written files (default: a new runs/{demo}/version_N)")
    p.add_argument("--debug", action="store_true",
                   help="show the Python traceback of an error, not just its one line")


# ---------------------------------------------------------------------- run folder
def new_run_dir(demo: str, root: str = "runs") -> str:
    """The next free ``runs/<demo>/version_N`` (TensorBoard's and Lightning's layout)."""
    base = os.path.join(root, demo)
    taken = [int(m.group(1)) for name in _listdir(base)
             if (m := re.fullmatch(r"version_([0-9]+)", name))]
    return os.path.join(base, f"version_{max(taken) + 1 if taken else 0}")


def latest_run_dir(demo: str, root: str = "runs") -> str | None:
    """The newest existing ``runs/<demo>/version_N``, or None."""
    base = os.path.join(root, demo)
    taken = [int(m.group(1)) for name in _listdir(base)
             if (m := re.fullmatch(r"version_([0-9]+)", name))]
    return os.path.join(base, f"version_{max(taken)}") if taken else None


def _listdir(path: str) -> list[str]:
    return os.listdir(path) if os.path.isdir(path) else []


def out_dir(args: argparse.Namespace, demo: str) -> str:
    """``--out`` if given, else a new ``runs/<demo>/version_N``; created."""
    path = args.out or new_run_dir(demo)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as err:
        raise DemoError(f"--out {path}: can't create the folder ({err.strerror})") from err
    return path


def written_line(paths: list[str]) -> str:
    return "wrote " + ", ".join(paths) if paths else "wrote no files"


# ---------------------------------------------------------------------- running
def run(prog: str, args: argparse.Namespace, body: Callable[[], T]) -> T:
    """``body()`` with BLAS limited to ``args.threads``; expected failures become one line
    on stderr and ``SystemExit`` with a non-zero code (the traceback too with --debug)."""
    try:
        with _thread_limit(args.threads):
            result = body()
        sys.stdout.flush()  # a closed pipe shows here, inside the handler
        return result
    except DemoError as err:
        _fail(prog, str(err), err.code, args.debug)
    except KeyboardInterrupt:
        _fail(prog, "interrupted (Ctrl-C)", INTERRUPTED, args.debug)
    except BrokenPipeError:
        _silence_stdout()
        _fail(prog, "output closed (broken pipe), stopped", 1, args.debug)
    except EXPECTED as err:
        _fail(prog, str(err), 1, args.debug)
    raise AssertionError("unreachable")


def _expected() -> tuple[type[BaseException], ...]:
    from minigrad.datasets import DatasetMismatchError, IDXError

    return (OSError, ImportError, IDXError, DatasetMismatchError)


EXPECTED: tuple[type[BaseException], ...] = _expected()


def _fail(prog: str, message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    one_line = " ".join(message.split())
    try:
        print(f"{prog}: error: {one_line}", file=sys.stderr, flush=True)
    except (BrokenPipeError, ValueError):
        pass
    raise SystemExit(code)


def _silence_stdout() -> None:
    """After EPIPE, point stdout at devnull so Python's exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (in-process)
        pass


def _thread_limit(threads: int) -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError as err:
        raise DemoError("--threads needs threadpoolctl: pip install threadpoolctl "
                        "(or pip install -e \".[demos]\")") from err
    return threadpool_limits(limits=threads)


def check_finite(value: float, where: str, hint: str) -> None:
    """Stop with a clear message when training diverges (a nan or inf loss)."""
    if not math.isfinite(value):
        raise DemoError(f"training diverged: the loss is {value} {where}. {hint}")


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend, or None (with a note)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no plot written",
              file=sys.stderr)
        return None
    return plt
