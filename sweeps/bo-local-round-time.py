"""How long a dvae-local round takes on one core (issue 23: at most 5 s): one few-label search
of 10 rounds of 50 on nbg-cora with the shipped learned run, each round's wall time and the
process's CPU time (one thread, so CPU time is what an idle core's wall time would be on a
shared machine), per part (neighbourhood, GP fit, acquisition). Writes JSON.

    OMP_NUM_THREADS=1 .venv/bin/python sweeps/bo-local-round-time.py --out runs/bo-local-round-time.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from core.bo.config import BOConfig
from core.bo.loop import run_search
from core.bo.methods import make_method
from core.bo.problem import load_problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("assets/demo/nbg-cora-learned"))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--features", default="latent")
    parser.add_argument("--local-depth", type=int, default=BOConfig().local_depth)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = BOConfig(rounds=args.rounds, batch_size=50, protocol="few-label", features=args.features,
                      local_depth=args.local_depth)
    problem = load_problem(args.run, need_decoder=False)
    method = make_method("dvae-local", config)
    cpu: list[float] = []
    propose = method.propose

    def timed(*a, **k):
        started = time.process_time()
        proposal = propose(*a, **k)
        cpu.append(time.process_time() - started)
        return proposal

    method.propose = timed
    with tempfile.TemporaryDirectory() as folder:
        result = run_search(problem, method, args.seed, config, Path(folder) / "dvae-local-seed0.json")
    parts = ("neighbourhood_seconds", "gp_seconds", "acquisition_seconds")
    rounds = [{"round": r["round"], "wall_seconds": r["seconds"], "cpu_seconds": cpu[i], "gp_points": r["info"]["gp_points"],
               "candidates": r["info"]["local_candidates"], **{p: r["info"][p] for p in parts}}
              for i, r in enumerate(result["rounds"])]
    summary = {"run": str(args.run), "config": result["config"], "rounds": rounds,
               "cpu_seconds_max": max(cpu), "cpu_seconds_mean": sum(cpu) / len(cpu),
               "best_rank": result["rounds"][-1]["best_so_far_rank"]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1))
    for row in rounds:
        print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
    print(f"cpu per round: mean {summary['cpu_seconds_mean']:.2f} s, max {summary['cpu_seconds_max']:.2f} s")


if __name__ == "__main__":
    main()
