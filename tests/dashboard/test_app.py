"""The dashboard under ``streamlit.testing.v1.AppTest``: every page, with tiny runs, a
missing runs directory, a half-written run, no runs at all, and a runs folder of damaged runs
(one line per broken run, no traceback, no server path); the runs folder box refuses folders
outside those the app was started with."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.tiny_runs import BROKEN_KINDS

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGES = [
    "app_pages/runs.py",
    "app_pages/latent_space.py",
    "app_pages/embeddings.py",
    "app_pages/smoothness.py",
    "app_pages/best_cells.py",
    "app_pages/export.py",
]
TIMEOUT = 120  # seconds per script run: the first run loads the 26,206-architecture table


def launch_with(*runs_dirs: Path) -> None:
    """As if the app was started with ``-- --runs-dir DIR`` for each of ``runs_dirs`` (AppTest
    runs the script in this process; the ``launch_roots_restored`` fixture resets it)."""
    os.environ["OPEMBED_RUNS_DIR"] = os.pathsep.join(str(d) for d in runs_dirs)


def make_app(root: Path, **state) -> AppTest:
    """An app started with ``--runs-dir root`` and showing it, without the demo runs, with
    session state seeded (``runs_dir=...`` types another folder into the box)."""
    launch_with(root)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["runs_dir"] = str(root)
    at.session_state["include_demo"] = False
    at.session_state["proj_method"] = "pca"  # instant; UMAP is exercised by the browser test's cache
    for key, value in state.items():
        at.session_state[key] = value
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the app (its default page is Runs), then switch to ``page``."""
    at.run()
    if page == PAGES[0] or at.exception:
        return at
    return at.switch_page(page).run()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def plotly_charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def assert_good_pair_shown(at: AppTest) -> None:
    """The page ran without an exception, on the default pair of good runs."""
    assert not at.exception, at.exception
    assert at.session_state["run_a"].endswith("cora-onehot")
    assert at.session_state["run_b"].endswith("cora-learned")


# ---------------------------------------------------------------- scenarios x pages
@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_runs(tiny_runs, page):
    at = open_page(make_app(tiny_runs), page)
    assert_good_pair_shown(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_without_runs(tmp_path, page):
    at = open_page(make_app(tmp_path), page)
    assert not at.exception, at.exception
    assert at.session_state["run_a"] is None
    assert at.info, "an empty folder says what to do"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_missing_runs_dir(tmp_path, page):
    at = open_page(make_app(tmp_path / "no-such-folder"), page)
    assert not at.exception, at.exception
    assert at.info


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_half_written_run(tiny_runs, page):
    half = str(tiny_runs / "cora-half")
    at = open_page(make_app(tiny_runs, run_a=half, run_b="none"), page)
    assert not at.exception, at.exception
    assert at.session_state["run_a"] == half


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_broken_run_selected(tiny_runs, page):
    broken = str(tiny_runs / "cora-broken")
    at = open_page(make_app(tiny_runs, run_a=broken, run_b="none"), page)
    assert not at.exception, at.exception
    assert "not valid JSON" in texts(at.error)


# ---------------------------------------------------------------- what each page shows
def test_runs_page_lists_runs_and_states(tiny_runs):
    at = make_app(tiny_runs).run()
    assert not at.exception
    assert at.title[0].value == "Runs"
    overview = at.dataframe[0].value.set_index("run")
    assert sorted(overview.index) == ["cora-broken", "cora-half", "cora-learned", "cora-onehot"]
    status = dict(zip(overview.index, overview["status"]))
    assert status == {"cora-broken": "broken", "cora-half": "training", "cora-learned": "complete",
                      "cora-onehot": "complete"}
    assert "not valid JSON" in texts(at.error)  # the broken run only
    assert len(at.error) == 1
    assert "Still training (epoch 1 of 3)" in texts(at.info)
    metrics = at.table[0].value
    assert list(metrics.index) == ["D-VAE", "DVAE-EMB"]
    assert metrics.iloc[0, 0] == "60.00"  # recon accuracy 0.6 of the one-hot run, in percent
    assert plotly_charts(at) >= 1  # training curves


def test_runs_page_half_written_run_alone(tiny_runs):
    half = str(tiny_runs / "cora-half")
    at = make_app(tiny_runs, run_a=half, run_b="none").run()
    assert not at.exception
    info = texts(at.info)
    assert "no metrics.json yet" in info
    assert plotly_charts(at) == 1  # its one epoch of history


def test_latent_page_draws_both_runs_and_a_selected_cell(tiny_runs):
    at = make_app(tiny_runs)
    at = open_page(at, "app_pages/latent_space.py")
    assert not at.exception, at.exception
    assert plotly_charts(at) == 1
    assert (tiny_runs / "cora-onehot" / "projections").is_dir()  # the projection was cached in the run
    colour = at.selectbox(key="color_by")
    assert colour.value == "accuracy" and "test accuracy" in colour.options

    import pandas as pd

    key = pd.read_parquet(tiny_runs / "cora-onehot" / "latents.parquet")["key"].iloc[0]
    at.text_input(key="selected_key").input(key).run()
    assert not at.exception, at.exception
    assert plotly_charts(at) == 2  # the latent plot and the cell with its reconstructions
    neighbours = [d.value for d in at.dataframe]
    assert len(neighbours) == 2 and all(len(frame) == 10 for frame in neighbours)

    at.selectbox(key="color_by").select("test accuracy").run()
    assert not at.exception, at.exception


def test_latent_page_unknown_key(tiny_runs):
    at = open_page(make_app(tiny_runs, selected_key="no-such-key"), "app_pages/latent_space.py")
    assert not at.exception
    assert "not an architecture" in texts(at.warning)


def test_embeddings_page_identity_and_epochs(tiny_runs):
    at = open_page(make_app(tiny_runs), "app_pages/embeddings.py")
    assert not at.exception, at.exception
    assert "identity" in texts(at.caption)
    slider = at.select_slider[0]
    assert list(slider.options) == ["0", "1", "3"] and str(slider.value) == "3"
    assert plotly_charts(at) >= 3  # one-hot heatmap; learned heatmap, scatter (and trajectory)
    slider.set_value(1).run()
    assert not at.exception
    at.radio(key="emb_dims").set_value(3).run()
    assert not at.exception


def test_best_cells_page(tiny_runs):
    at = open_page(make_app(tiny_runs, top_k=5), "app_pages/best_cells.py")
    assert not at.exception, at.exception
    top = at.dataframe[0].value
    assert len(top) == 5 and top["accuracy"].is_monotonic_decreasing
    assert plotly_charts(at) >= 1
    assert "BO" in texts(at.info) or "bo" in texts(at.info)


def test_export_page_offers_downloads(tiny_runs):
    at = open_page(make_app(tiny_runs), "app_pages/export.py")
    assert not at.exception, at.exception
    assert len(at.get("download_button")) >= 6


def test_smoothness_page_numbers_side_by_side(tiny_runs):
    at = open_page(make_app(tiny_runs, interp_steps=4, circle_steps=6), "app_pages/smoothness.py")
    assert not at.exception, at.exception
    numbers = at.table[0].value
    assert list(numbers.columns) == ["D-VAE", "DVAE-EMB"]
    spread = numbers.loc["accuracy spread to the k nearest latent neighbours"]
    assert spread.notna().all() and (spread >= 0).all()
    # interpolation and great circle for both runs, the two distance figures and the k-NN bars
    assert plotly_charts(at) == 7
    start = at.text_input(key="interp_start").value
    assert start == at.session_state["interp_start"] != ""


def test_smoothness_page_starts_from_the_latent_selection(tiny_runs):
    import pandas as pd

    keys = pd.read_parquet(tiny_runs / "cora-onehot" / "latents.parquet")["key"]
    at = open_page(make_app(tiny_runs, selected_key=str(keys.iloc[5])), "app_pages/smoothness.py")
    assert not at.exception
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["interp_start"] == str(keys.iloc[5])


def test_best_cells_page_draws_bo_curves(tiny_runs, tmp_path):
    import json
    import shutil

    run = tmp_path / "runs" / "cora-onehot"
    shutil.copytree(tiny_runs / "cora-onehot", run)
    (run / "bo").mkdir()
    for seed in (0, 1):
        rounds = [{"values": [0.70 + 0.01 * r + 0.001 * seed, None], "status": ["new", "invalid"],
                   "best_so_far": 0.70 + 0.01 * r, "best_so_far_test": 0.69, "best_so_far_rank": 10 - r,
                   "n_invalid": 1, "n_duplicate": 0, "n_unknown": 0} for r in range(3)]
        result = {"method": "sgp", "seed": seed, "rounds": rounds, "config": {"batch_size": 2},
                  "problem": {"space": "nbg-cora", "mode": "latent", "oracle": "table", "rank_among": 26206},
                  "train_best": {"value": 0.8, "test": 0.79, "rank": 1}}
        (run / "bo" / f"sgp-seed{seed}.json").write_text(json.dumps(result))
    at = open_page(make_app(tmp_path / "runs"), "app_pages/best_cells.py")
    assert not at.exception, at.exception
    assert "No BO results" not in texts(at.info)
    summary = at.dataframe[-1].value
    assert list(summary["method"]) == ["sgp"] and int(summary["seeds"].iloc[0]) == 2
    assert plotly_charts(at) == 5  # top cells, property scatter, correlations, BO curves, BO regret


def test_latent_page_prefers_a_cached_umap(tiny_runs, tmp_path):
    import shutil

    import numpy as np
    import pandas as pd

    from core.analysis.projection import projection_path

    for name in ("cora-onehot", "cora-learned"):
        run = tmp_path / "runs" / name
        shutil.copytree(tiny_runs / name, run, ignore=shutil.ignore_patterns("projections"))
        keys = pd.read_parquet(run / "latents.parquet")["key"].astype(str)
        xy = np.random.default_rng(0).normal(size=(len(keys), 2))
        path = projection_path(run, "umap")
        path.parent.mkdir()
        pd.DataFrame({"key": keys, "x": xy[:, 0], "y": xy[:, 1]}).to_parquet(path)
    launch_with(tmp_path / "runs")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["runs_dir"] = str(tmp_path / "runs")
    at.session_state["include_demo"] = False
    at = open_page(at, "app_pages/latent_space.py")  # no method seeded: the cached one is chosen
    assert not at.exception, at.exception
    assert at.selectbox(key="proj_method").value == "umap"
    assert not at.slider(key="proj_min_dist").disabled
    at.selectbox(key="proj_method").select("pca").run()
    assert not at.exception
    assert at.slider(key="proj_min_dist").disabled and at.slider(key="proj_n_neighbors").disabled


# ---------------------------------------------------------------- broken runs
def error_texts(at: AppTest) -> str:
    return texts(at.error) + "\n" + texts(at.sidebar.error)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_broken_runs_beside_good_ones(broken_runs, page):
    at = open_page(make_app(broken_runs), page)
    assert_good_pair_shown(at)
    assert str(broken_runs.parent) not in error_texts(at)  # no server paths


def test_runs_page_names_every_broken_file(broken_runs):
    at = make_app(broken_runs).run()
    assert not at.exception, at.exception
    overview = at.dataframe[0].value
    status = dict(zip(overview["run"], overview["status"]))
    errors = error_texts(at)
    for name, (file, _) in BROKEN_KINDS.items():
        assert status[name] == "broken", name
        assert f"**{name}** cannot be read: {file}" in errors, name
    assert status["cora-onehot"] == status["cora-learned"] == "complete"
    assert len(at.error) == len(BROKEN_KINDS)  # one line per broken run
    assert str(broken_runs.parent) not in errors and "Traceback" not in errors


@pytest.mark.parametrize("kind", list(BROKEN_KINDS))
def test_a_broken_run_beside_a_good_one_on_every_page(broken_runs, kind):
    """Run A broken, run B good: every page says one line about A and carries on with B."""
    file = BROKEN_KINDS[kind][0]
    at = make_app(broken_runs, run_a=str(broken_runs / kind), run_b=str(broken_runs / "cora-learned"),
                  interp_steps=3, circle_steps=4)
    at.run()
    for page in PAGES:
        if page != PAGES[0]:
            at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        errors = error_texts(at)
        assert f"**{kind}** cannot be read: {file}" in errors, (page, errors)
        assert str(broken_runs.parent) not in errors, page
        assert plotly_charts(at) >= 1, page  # run B is still drawn
    assert at.session_state["run_a"] == str(broken_runs / kind)


# ---------------------------------------------------------------- private by default
@pytest.mark.parametrize("typed", ["/", "/etc", "..", "{runs}/..", "{runs}/../.."])
def test_runs_dir_outside_the_launch_roots_is_refused(tiny_runs, typed):
    at = make_app(tiny_runs, runs_dir=typed.format(runs=tiny_runs))
    at.run()
    assert not at.exception, at.exception
    assert "outside the runs folders" in texts(at.sidebar.error)
    assert at.session_state["run_a"] is None  # nothing was scanned
    assert "No runs found" in texts(at.info)


def test_a_folder_inside_a_launch_root_is_accepted(tiny_runs):
    at = make_app(tiny_runs.parent, runs_dir=str(tiny_runs)).run()
    assert not at.exception, at.exception
    assert not at.sidebar.error
    assert at.session_state["run_a"].endswith("cora-onehot")


def test_runs_dir_link_out_of_the_roots_is_refused(tiny_runs, tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    (root / "escape").symlink_to(tiny_runs, target_is_directory=True)
    at = make_app(root, runs_dir=str(root / "escape")).run()
    assert not at.exception, at.exception
    assert "outside the runs folders" in texts(at.sidebar.error)
    assert at.session_state["run_a"] is None


def test_sidebar_warns_when_bound_beyond_localhost(tiny_runs):
    from streamlit import config

    before = config.get_option("server.address")
    try:
        config.set_option("server.address", "0.0.0.0")
        at = make_app(tiny_runs).run()
        assert not at.exception, at.exception
        assert "listens on address 0.0.0.0" in texts(at.sidebar.warning)
        config.set_option("server.address", "127.0.0.1")
        at = make_app(tiny_runs).run()
        assert "listens on" not in texts(at.sidebar.warning)
    finally:
        config.set_option("server.address", before)


def test_projection_cache_is_never_written_out_of_the_roots(tiny_runs, tmp_path):
    import shutil

    run = tmp_path / "runs" / "cora-onehot"
    shutil.copytree(tiny_runs / "cora-onehot", run, ignore=shutil.ignore_patterns("projections"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (run / "projections").symlink_to(outside, target_is_directory=True)
    at = open_page(make_app(tmp_path / "runs", proj_method="pca"), "app_pages/latent_space.py")
    assert not at.exception, at.exception
    assert plotly_charts(at) == 1  # computed in memory
    assert list(outside.iterdir()) == []


def test_a_model_whose_weights_do_not_fit_gives_one_line_per_page(tiny_runs, tmp_path):
    """Discovery reads the model's settings, not its weights: weights of another shape are
    caught where the model is loaded, and said in one line."""
    import shutil

    import torch

    from core.config import ModelConfig
    from core.models.dvae import DVAE

    root = tmp_path / "runs"
    for name in ("cora-onehot", "cora-learned"):
        shutil.copytree(tiny_runs / name, root / name, ignore=shutil.ignore_patterns("projections"))
    path = root / "cora-onehot" / "model.pt"
    payload = torch.load(path, weights_only=True)
    payload["state_dict"] = DVAE(ModelConfig(**{**payload["model_config"], "hidden_dim": 32})).state_dict()
    torch.save(payload, path)
    at = make_app(root, interp_steps=3, circle_steps=4)
    at.run()
    for page in PAGES:
        if page != PAGES[0]:
            at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        if page in ("app_pages/smoothness.py", "app_pages/export.py"):
            errors = error_texts(at)
            assert "model.pt: its weights do not fit" in errors, (page, errors)
            assert str(tmp_path) not in errors and "Traceback" not in errors
