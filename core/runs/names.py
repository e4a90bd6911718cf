"""Names of the files in a run directory (see :mod:`core.runs`)."""

CONFIG = "config.json"
MODEL = "model.pt"
CHECKPOINT = "checkpoint.pt"
HISTORY = "history.csv"
EMBEDDINGS = "embeddings.json"
METRICS = "metrics.json"
LATENTS = "latents.parquet"
SMOOTHNESS = "smoothness.json"
PROJECTIONS = "projections"
BO_DIR = "bo"
COMPACT = "compact.json"  # marks a seed run kept without its model and latents (core.runs.compact)
