"""The command line's commands: one module per command group, the flag bounds."""
