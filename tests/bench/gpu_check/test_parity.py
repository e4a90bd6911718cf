"""Stage 1 of the GPU check: the comparison finds a device model that is off, and names the
model and the quantity. The "device" here is the CPU, with one model's output planted wrong
on the device side (``device_copy`` patched)."""

from __future__ import annotations

import math

import pytest
import torch

from core.bench.gpu_check.parity import ParityCase, gradient_error, parity_cases, parity_stage
from core.bench.gpu_check.settings import DRY_RUN, TOLERANCES
from core.models.registry import MODELS
from core.spaces import get_space

from .planted import PLANTED, plant

pytestmark = pytest.mark.usefixtures("one_thread")

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def cora():
    space = get_space("nbg-cora")
    return space, space.load(None)


def test_every_registered_model_and_encoding_is_a_case():
    cases = {(case.model, case.encoding) for case in parity_cases() if not case.dvae_bn}
    assert cases == {(name, encoding) for name, spec in MODELS.items() for encoding in spec.names}
    assert {case.encoding for case in parity_cases() if case.dvae_bn} == {"onehot", "learned"}


def test_gradient_error_by_hand():
    reference = {"a": torch.tensor([3.0, 4.0]), "b": None, "c": torch.zeros(2)}
    candidate = {"a": torch.tensor([3.0, 4.05]), "b": None, "c": torch.tensor([1e-8, 0.0])}
    # a: 0.05 / 5 = 1e-2; c: 1e-8 / (1e-6 * 5) = 2e-3 (its zero norm raised to the floor)
    error, name = gradient_error(reference, candidate, floor=1e-6)
    assert (error, name) == (pytest.approx(1e-2, rel=1e-4), "a")
    assert gradient_error({"c": reference["c"], "a": reference["a"]}, {"c": candidate["c"], "a": reference["a"]},
                          floor=1e-6) == (pytest.approx(2e-3, rel=1e-4), "c")
    assert gradient_error(reference, {**candidate, "b": torch.ones(1)}, floor=1e-6) == (math.inf, "b")


@pytest.mark.parametrize("quantity,named", [("loss", "loss"), ("gradient", "gradient of "), ("decode", "decode:"),
                                            ("crash", "raised RuntimeError: planted: no such kernel")])
def test_a_planted_mismatch_fails_naming_the_model_and_the_quantity(monkeypatch, cora, quantity, named):
    plant(monkeypatch, quantity)
    cases = [ParityCase("dvae", "onehot"), PLANTED]
    stage = parity_stage([cora], CPU, DRY_RUN, TOLERANCES, cases=cases)
    assert not stage["passed"]
    first, planted = stage["rows"]
    assert first["passed"] and first["failures"] == []
    assert not planted["passed"]
    assert len(planted["failures"]) == 1 and stage["failures"] == planted["failures"]
    line = planted["failures"][0]
    assert line.startswith("nbg-cora GCN-EMB (--model gcn --encoding learned): ") and named in line


def test_equal_models_pass_with_zero_error(cora):
    stage = parity_stage([cora], CPU, DRY_RUN, TOLERANCES, cases=[ParityCase("svae", "onehot"),
                                                                 ParityCase("dvae", "learned", dvae_bn=True)])
    assert stage["passed"] and stage["failures"] == []
    for row in stage["rows"]:
        assert row["loss_cpu"] == row["loss_device"] and row["grad_max_rel_error"] == 0.0
        assert row["decode_identical"] == 1.0 and row["decoded_graphs"] == 8 + 24
