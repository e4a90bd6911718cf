"""Bayesian networks: the asia network (:mod:`core.bn.asia`), the BIC score in bnlearn's
convention (:mod:`core.bn.bic`) and random DAGs over a fixed set of variables
(:mod:`core.bn.random_dags`). The search space built on them is :mod:`core.spaces.bn_asia`."""
