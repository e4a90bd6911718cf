"""Training: batches, the training loop, its monitor and the device."""
