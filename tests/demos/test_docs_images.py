"""One command regenerates every picture in docs/images, from the demos as they are."""

import importlib.util
import re
from pathlib import Path

from demos import classify, nonlinear, regression, shift

ROOT = Path(__file__).parents[2]
IMAGES = ROOT / "docs" / "images"
PARSERS = {"classify": classify.make_parser, "regression": regression.make_parser,
           "nonlinear": nonlinear.make_parser, "shift": shift.make_parser}


def load_script():
    spec = importlib.util.spec_from_file_location("make_images", IMAGES / "make_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_makes_every_picture_there_is():
    script = load_script()
    pictures = sorted(p.name for p in IMAGES.iterdir() if p.suffix in (".png", ".svg"))
    assert script.IMAGES == pictures


def test_demo_pictures_come_from_valid_demo_commands():
    script = load_script()
    for name in script.DEMOS:
        module, *argv = script.demo_command(name)
        PARSERS[module.removeprefix("demos.")]().parse_args(argv)  # no SystemExit
        assert argv[-2:] == ["--threads", "1"]


def test_readme_shows_only_pictures_the_script_makes():
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"\(docs/images/([\w.]+)\)", readme))
    assert shown and shown <= set(load_script().IMAGES)
    assert "python docs/images/make_images.py" in readme
