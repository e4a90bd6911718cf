#!/usr/bin/env bash
# Beside sweeps/enas6-seeds.sh: evaluates each seed run as soon as its training has written
# latents.parquet (smoothness, then the papers' protocol with 10 GP seeds and the constrained
# part, then latent BO with 10 BO seeds, the space's default protocol) and writes its compact
# copy under assets/demo/seeds/ and regenerates the docs' result blocks (commit both together),
# on one thread so that the training queue keeps
# the other core. Resumable: a run
# whose metrics.json holds every part is skipped; a killed evaluation keeps its finished parts
# (evaluate resumes them) and is run again. Ends when the training queue's log says it finished and no
# run is left.
#   nohup sweeps/evaluate-seeds.sh > runs/evaluate-seeds.log 2>&1 &
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
ROOT=${ROOT:-runs/groups}
LOG=${LOG:-runs/enas6-seeds.log}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
while true; do
  pending=0
  for run in "$ROOT"/*/seed*; do
    [ -f "$run/latents.parquet" ] || { pending=1; continue; }
    if [ ! -f "$run/smoothness.json" ]; then
      echo "$(date -u +%FT%TZ) smoothness $run"; $PY -m core smoothness "$run" > /dev/null || echo "FAILED smoothness: $run"
    fi
    if ! grep -q '"rmse"' "$run/metrics.json" 2>/dev/null \
       || ! grep -q '"constrained_recon_accuracy"' "$run/metrics.json"; then
      echo "$(date -u +%FT%TZ) evaluate $run"
      $PY -m core evaluate "$run" --constrained --no-progress > "$run.evaluate.log" 2>&1 || echo "FAILED evaluate: $run"
      echo "$(date -u +%FT%TZ) evaluated $run"
    fi
    if [ "$(ls "$run"/bo/dvae-seed*.json 2>/dev/null | wc -l)" -lt 10 ]; then  # the verdict's end-task rows
      echo "$(date -u +%FT%TZ) bo $run"
      $PY -m core bo "$run" --method dvae --seeds 10 > "$run.bo.log" 2>&1 || echo "FAILED bo: $run"
    fi
    ship="${SHIP:-assets/demo/seeds}/$(basename "$(dirname "$run")")/$(basename "$run")"
    if [ ! -f "$ship/compact.json" ] || [ -n "$(find "$run" -newer "$ship/compact.json" -name '*.json' -print -quit)" ]; then
      $PY -m core compact "$run" --out "$ship" > /dev/null && echo "$(date -u +%FT%TZ) shipped $ship" \
        || echo "FAILED compact: $run"
      $PY docs/generate.py > /dev/null || echo "FAILED docs/generate.py"  # the verdict blocks read the seeds
    fi
  done
  if grep -q "queue finished" "$LOG" 2>/dev/null && [ "$pending" = 0 ]; then break; fi
  sleep 60
done
echo "$(date -u +%FT%TZ) evaluations finished"
