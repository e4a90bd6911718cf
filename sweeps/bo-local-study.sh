#!/usr/bin/env bash
# The small study that chose dvae-local's defaults (docs/bo-local.md, issue 23): nbg-cora,
# the shipped learned run, few-label protocol (16 labels), 5 seeds x 200 queries (4 rounds of
# 50) per setting. Each setting searches in its own copy of the run (links to its config,
# model and latents: dvae-local writes RUN/bo/dvae-local-seed<S>.json whatever its flags), and
# evolution / random search / dvae run once, in `baselines`, and are linked into every copy,
# so the race pairs each setting with the same evolution seeds. Resumable. About 10 minutes of
# one core; then the table:
#   nohup sweeps/bo-local-study.sh > runs/study-local.log 2>&1 &
#   .venv/bin/python -m core bo-summary runs/study-local/* --budgets 50,100,200 --wide --compact
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
SOURCE=${SOURCE:-assets/demo/nbg-cora-learned}
ROOT=${ROOT:-runs/study-local}
COMMON="--seeds 5 --rounds 4 --batch-size 50 --protocol few-label --quiet --device cpu"

copy_run() {  # copy_run NAME: a run folder that links to SOURCE's files
  mkdir -p "$ROOT/$1/bo"
  for file in config.json model.pt latents.parquet; do ln -sfn "$(realpath "$SOURCE/$file")" "$ROOT/$1/$file"; done
}

copy_run baselines
for method in evolution random-search dvae; do
  echo "$(date -u +%FT%TZ) baselines $method"
  $PY -m core bo "$ROOT/baselines" --method "$method" $COMMON > /dev/null || echo "FAILED: $method"
done

# name parents depth candidates features
while read -r name parents depth candidates features; do
  copy_run "$name"
  for file in "$ROOT"/baselines/bo/evolution-seed*.json; do ln -sfn "$(realpath "$file")" "$ROOT/$name/bo/"; done
  echo "$(date -u +%FT%TZ) $name"
  $PY -m core bo "$ROOT/$name" --method dvae-local --local-parents "$parents" --local-depth "$depth" \
      --local-candidates "$candidates" --features "$features" $COMMON > /dev/null || echo "FAILED: $name"
done <<'SETTINGS'
p5-d1 5 1 2000 latent
p10-d1 10 1 2000 latent
p20-d1 20 1 2000 latent
p5-d2 5 2 2000 latent
p10-d2 10 2 2000 latent
p10-d1-onehot 10 1 2000 onehot-adjacency
SETTINGS
echo "$(date -u +%FT%TZ) study finished"
$PY -m core bo-summary "$ROOT"/* --budgets 50,100,200 --wide --compact
