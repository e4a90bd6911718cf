"""Runs of other models in the dashboard (AppTest, no browser): a GCN-EMB run is listed and
labelled "GCN-EMB", the default pair is one model's one-hot and learned runs, and any two
runs compare whatever their models."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.discovery import default_pair, discover_runs
from tests.dashboard.test_app import PAGES, make_app, open_page
from tests.dashboard.tiny_runs import write_run


@pytest.fixture(scope="module")
def model_runs(tmp_path_factory) -> Path:
    """A D-VAE one-hot run, a GCN pair (one-hot and learned) and an S-VAE run, all tiny and complete."""
    root = tmp_path_factory.mktemp("models") / "runs"
    write_run(root / "cora-dvae-onehot", "onehot", seed=1)
    write_run(root / "cora-gcn-onehot", "onehot", seed=2, model="gcn")
    write_run(root / "cora-gcn-learned", "learned", seed=3, model="gcn")
    write_run(root / "cora-svae-learned", "learned", seed=4, model="svae")
    return root


def test_the_default_pair_is_one_models(model_runs):
    a, b = default_pair(discover_runs(model_runs))
    assert (Path(a).name, Path(b).name) == ("cora-gcn-onehot", "cora-gcn-learned")


def test_a_gcn_emb_run_is_listed_and_labelled_by_its_model(model_runs):
    at = open_page(make_app(model_runs), PAGES[0])
    assert not at.exception, at.exception
    options = at.selectbox(key="run_b").options
    assert any(option.startswith("cora-gcn-learned · nbg-cora · GCN-EMB") for option in options), options
    assert any(option.startswith("cora-dvae-onehot · nbg-cora · D-VAE") for option in options), options
    assert any(option.startswith("cora-svae-learned · nbg-cora · S-VAE-EMB") for option in options), options
    assert at.session_state["run_b"].endswith("cora-gcn-learned")
    assert any("cora-gcn-learned · nbg-cora · GCN-EMB" in expander.label for expander in at.expander)
    at = at.switch_page("app_pages/embeddings.py").run()
    assert not at.exception, at.exception
    assert [header.value for header in at.subheader][:2] == ["GCN", "GCN-EMB"]


@pytest.mark.parametrize("page", ["app_pages/latent_space.py", "app_pages/embeddings.py"])
@pytest.mark.parametrize("other,name", [("cora-gcn-learned", "GCN-EMB"), ("cora-svae-learned", "S-VAE-EMB")])
def test_runs_of_two_models_compare(model_runs, page, other, name):
    at = make_app(model_runs, run_a=str(model_runs / "cora-dvae-onehot"), run_b=str(model_runs / other))
    at = open_page(at, page)
    assert not at.exception, at.exception
    assert at.session_state["run_a"].endswith("cora-dvae-onehot")
    if page.endswith("embeddings.py"):
        assert [header.value for header in at.subheader][:2] == ["D-VAE", name]
