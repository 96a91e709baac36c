"""Probability models of customer behaviour, fitted by maximum likelihood.

* :class:`ShiftedBetaGeometric` - contractual retention (subscriptions): churn probabilities vary across
  customers, so a cohort's retention rate rises with tenure (Fader & Hardie 2007, 2010).
* :class:`BetaGeoNBD` - repeat purchasing when customers leave silently (Fader, Hardie & Lee 2005).
* :class:`GammaGamma` - average spend per transaction (Fader, Hardie & Lee 2005; note 025).
* :func:`customer_lifetime_value` - BG/NBD and Gamma-Gamma combined into a discounted CLV per customer.

Fitting failures raise :class:`ConvergenceError`; bad inputs raise ``ValueError`` naming the column and rows.
"""

from clvedu.models._fitting import ConvergenceError
from clvedu.models.bgnbd import BetaGeoNBD
from clvedu.models.clv import customer_lifetime_value
from clvedu.models.gamma_gamma import GammaGamma
from clvedu.models.sbg import ShiftedBetaGeometric

__all__ = ["BetaGeoNBD", "ConvergenceError", "GammaGamma", "ShiftedBetaGeometric", "customer_lifetime_value"]
