"""Analysis of trained runs: the papers' evaluation protocol, GPs, smoothness, projections, graph properties, bounds and tables."""
