"""OpEmbed: D-VAE with one-hot or learned operation embeddings, for graph-based NAS."""

__version__ = "0.1.0"
