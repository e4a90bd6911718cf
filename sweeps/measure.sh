#!/usr/bin/env bash
# Issue 14's measurement: a 4-cell NAS-Bench-Graph sweep (nbg-cora, nbg-citeseer x onehot,
# learned; quick preset cut to a few epochs; train + a short evaluate) run in parallel by
# `python -m core sweep` on 2 CPUs, against the same 4 cells run one after another by hand
# (plain commands, torch's default threads), both in this one session.
#
# Run from anywhere on an otherwise idle machine (it refuses above load 1.5 unless FORCE=1):
#   bash sweeps/measure.sh
# Results: runs/sweeps-dev/measure.txt (and the runs under runs/sweeps-dev/{sequential,parallel}).
set -euo pipefail
cd "$(dirname "$0")/.."
source .venv/bin/activate
HERE=runs/sweeps-dev
EPOCHS=${EPOCHS:-6}
EVAL=(--encode-times 2 --decode-times 2 --prior-points 200 --gp-seeds 2 --gp-epochs 2)
load() { cut -d' ' -f1-3 /proc/loadavg; }
if [[ "${FORCE:-0}" != 1 ]] && awk '{exit !($1 >= 1.5)}' /proc/loadavg; then
  echo "load average $(load): the machine is busy, the figures would mean little (FORCE=1 to run anyway)" >&2
  exit 1
fi

cat > "$HERE/measure.toml" <<TOML
steps = ["train", "evaluate"]
[grid]
spaces = ["nbg-cora", "nbg-citeseer"]
encodings = ["onehot", "learned"]
presets = ["quick"]
seeds = [0]
[train]
epochs = $EPOCHS
[evaluate]
encode-times = 2
decode-times = 2
prior-points = 200
gp-seeds = 2
gp-epochs = 2
[cpus]
train = 1
evaluate = 1
TOML

rm -rf "$HERE/sequential" "$HERE/parallel"
{
  echo "# $(date -Is) on $(nproc) CPUs; quick preset, --epochs $EPOCHS; evaluate ${EVAL[*]}"
  echo "load before sequential: $(load)"
} | tee "$HERE/measure.txt"
start=$(date +%s.%N)
for space in nbg-cora nbg-citeseer; do
  for encoding in onehot learned; do
    run="$HERE/sequential/$space-$encoding-quick-seed0"
    python -m core train --space "$space" --encoding "$encoding" --preset quick --seed 0 --epochs "$EPOCHS" \
      --out "$run" --no-progress
    python -m core evaluate "$run" "${EVAL[@]}" --no-progress > /dev/null
  done
done
sequential=$(echo "$(date +%s.%N) - $start" | bc)
echo "sequential (4 cells one after another): ${sequential} s; load after: $(load)" | tee -a "$HERE/measure.txt"

start=$(date +%s.%N)
python -m core sweep "$HERE/measure.toml" --out "$HERE/parallel" --cpus 2 --no-progress > "$HERE/parallel.log"
parallel=$(echo "$(date +%s.%N) - $start" | bc)
echo "parallel (python -m core sweep, 2 CPUs, 1 thread per task): ${parallel} s; load after: $(load)" \
  | tee -a "$HERE/measure.txt"
echo "ratio parallel / sequential: $(echo "scale=2; $parallel / $sequential" | bc)" | tee -a "$HERE/measure.txt"
python -m core table "$HERE"/sequential/* "$HERE"/parallel/nbg-* >> "$HERE/measure.txt"
