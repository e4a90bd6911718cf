"""Names of the files in a run directory. No imports, so light readers (the dashboard's run
discovery) can use them without loading torch."""

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
