"""The gradient-check kit: ``gradcheck``, ``gradgradcheck``, hypothesis ``strategies`` and
an op test factory (``minigrad.testing.factory``), for the library's ops and your own.

``strategies`` and ``factory`` need hypothesis (``pip install minigrad[testing]``); they
are imported on first use, never by ``import minigrad``.
"""

from .gradcheck import (
    GradcheckError,
    analytical_jacobian,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)

__all__ = ["GradcheckError", "analytical_jacobian", "gradcheck", "gradgradcheck",
           "numerical_jacobian"]
