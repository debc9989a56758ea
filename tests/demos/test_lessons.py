"""demos.regression, demos.nonlinear and demos.shift teach what they claim."""

import numpy as np

from demos import nonlinear, regression, shift


def test_regression_gradient_descent_matches_normal_equations(tmp_path, run_demo):
    done = run_demo(regression, "--out", str(tmp_path))
    assert done.result["agree"] and done.result["gap"] < 1e-6
    x, y, _, _ = regression.make_data(200, 3, 0.5, 0)
    np.testing.assert_allclose(done.result["closed"], np.linalg.lstsq(
        np.hstack([x, np.ones((200, 1))]), y, rcond=None)[0], rtol=1e-10)
    assert "they agree" in done.out and "stable below 0.906" in done.out
    assert done.result["written"] == [str(tmp_path / "regression.png")]
    assert (tmp_path / "regression.png").exists()


def test_regression_divergence_is_an_error_not_advice(tmp_path, run_demo):
    done = run_demo(regression, "--lr", "10", "--out", str(tmp_path))
    assert done.code == 1 and len(done.error_lines) == 1
    assert "diverged" in done.err and "stable for --lr < 0.906" in done.err
    assert "larger --lr" not in done.out + done.err
    assert not (tmp_path / "regression.png").exists()
    slow = run_demo(regression, "--lr", "1.05", "--steps", "20", "--out", str(tmp_path))
    assert slow.code == 1 and "above this problem's stable bound 0.906" in slow.err


def test_regression_too_few_steps_advises_more(tmp_path, run_demo):
    done = run_demo(regression, "--lr", "0.01", "--steps", "20", "--out", str(tmp_path))
    assert done.code == 0 and "NOT converged yet: more --steps, or a larger --lr below " \
                              "0.906" in done.out


def test_nonlinear_deep_linear_network_is_one_layer(tmp_path, run_demo):
    done = run_demo(nonlinear, "--steps", "300", "--out", str(tmp_path))
    result = done.result
    assert result["collapse_gap"] < 1e-4  # the product of the layers is the network
    assert result["acc_relu"] > 0.97 and result["acc_linear"] < 0.92
    assert (tmp_path / "nonlinear.png").exists()


def test_nonlinear_plot_has_axis_and_class_labels(tmp_path, monkeypatch, run_demo):
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    run_demo(nonlinear, "--steps", "5", "--dataset", "circles", "--out", str(tmp_path))
    (fig,) = figures
    for ax in fig.axes:
        assert ax.get_xlabel().startswith("$x_1$") and ax.get_ylabel().startswith("$x_2$")
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["class 0 (outer circle)", "class 1 (inner circle)"]


def test_shift_drops_accuracy_on_shifted_inputs(tmp_path, run_demo):
    results = run_demo(shift, "--epochs", "15", "--out", str(tmp_path)).result
    assert results["original"] > 0.93
    assert results["inverted"] < 0.5 and results["moved 1 px right"] < results["original"]
    assert (tmp_path / "shift.png").exists()


def test_shift_works_on_pixels(tmp_path, monkeypatch, run_demo):
    seen = {}

    def plot(plt, folder, variants, results, label):
        seen.update(variants)
        return str(tmp_path / "shift.png")

    monkeypatch.setattr(shift, "plot", plot)
    results = run_demo(shift, "--epochs", "3", "--noise", "0", "--out", str(tmp_path)).result
    # zero noise leaves the image as it is (clipping z-scores to [0, 1] did not)
    assert results["noise (sd 0.0)"] == results["original"]
    for name, x in seen.items():
        assert 0 <= x.min() and x.max() <= 1, name
    np.testing.assert_allclose(seen["inverted"], 1 - seen["original"])
    assert np.isin(seen["original"] * 16, np.arange(17)).all()  # digits' 17 grey levels


def test_shift_panels_are_framed(tmp_path, monkeypatch, run_demo):
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    run_demo(shift, "--epochs", "1", "--out", str(tmp_path))
    panels = figures[0].axes[:-1]
    assert len(panels) == 5
    for ax in panels:
        assert ax.axison and all(s.get_visible() for s in ax.spines.values())
        assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    assert figures[0].axes[-1].get_ylabel() == "test accuracy (%)"


def test_translate_moves_pixels_and_fills_background():
    x = np.arange(64, dtype=np.float32).reshape(1, 64) + 1
    moved = shift.translate(x, 0, 1).reshape(8, 8)
    assert (moved[:, 0] == 0).all() and (moved[:, 1:] == x.reshape(8, 8)[:, :-1]).all()
    down = shift.translate(x, -1, 0).reshape(8, 8)
    assert (down[-1] == 0).all() and (down[:-1] == x.reshape(8, 8)[1:]).all()
