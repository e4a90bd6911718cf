#!/usr/bin/env bash
# The seed groups of the verdict (issue "Evidence, not anecdotes"): one space, the `fast`
# preset, seeds $SEEDS per encoding, one training at a time (two at once on 2 cores are
# slower than one after the other). Resumable: run it again after a stop and each run
# continues from its last checkpoint; a finished run is skipped.
#   SPACE=enas6 SEEDS="1 2 3 4" nohup sweeps/seed-queue.sh > runs/enas6-seeds.log 2>&1 &
#   SPACE=nbg-cora SEEDS="0 1 2 3 4" nohup sweeps/seed-queue.sh > runs/nbg-cora-seeds.log 2>&1 &
# (nbg runs take the canonical node order, the default for new nbg runs.) Beside it,
# sweeps/evaluate-seeds.sh evaluates, searches and ships each finished seed (LOG=runs/<space>-seeds.log).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# one thread: the queue shares the machine with evaluations and other work, and two
# oversubscribed OpenMP threads ran 5-10x slower than one (110 s against ~15 s per epoch)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
SPACE=${SPACE:-enas6}
ROOT=${ROOT:-runs/groups}
SEEDS=${SEEDS:-"1 2 3 4"}
for seed in $SEEDS; do
  for encoding in onehot learned; do
    out="$ROOT/$SPACE-$encoding/seed$seed"
    if [ -f "$out/latents.parquet" ]; then echo "done: $out"; continue; fi
    resume=""; [ -f "$out/config.json" ] && resume="--resume"
    echo "$(date -u +%FT%TZ) train $out $resume"
    $PY -m core train --space "$SPACE" --encoding "$encoding" --preset fast --seed "$seed" \
        --checkpoint-every 5 --no-progress --out "$out" $resume || echo "FAILED: $out"
  done
done
echo "$(date -u +%FT%TZ) queue finished"
