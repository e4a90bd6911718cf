#!/usr/bin/env bash
# The enas6 seed groups: seeds 1-4 per encoding beside the shipped seed 0 (sweeps/seed-queue.sh).
#   nohup sweeps/enas6-seeds.sh > runs/enas6-seeds.log 2>&1 &
exec env SPACE=enas6 SEEDS="${SEEDS:-1 2 3 4}" "$(dirname "$0")/seed-queue.sh"
