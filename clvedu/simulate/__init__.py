"""Seeded synthetic customer data for teaching, following each company's customer relationship.

**Everything this module makes is synthetic.** It is drawn from the probability models the book teaches,
with parameters set from a case's own figures, so that students can practise on customer-level data no
company publishes. Every frame carries ``attrs["synthetic"] = True`` and a note, the CLI writes it to files
whose names contain "synthetic", and the same seed always gives the same data.

What a company gets depends on its ``relationship`` (:mod:`clvedu.domain.relationships`):

* ``subscription`` - :func:`subscription_panel`, one row per subscriber: sign-up cohort, the case's own current
  plans and prices (converted to the panel's period), tenure and whether they left. Each subscriber's chance of
  leaving per period, ``theta ~ beta(alpha, beta)``, makes every cohort follow the shifted-beta-geometric (sBG)
  model (Fader & Hardie 2007); :func:`sbg_parameters_for_churn` sets alpha and beta from the case's churn.
  A subscription company marked ``repeat_purchases: true`` (a retail membership) also gets a purchase log.
* ``repeat_purchase`` - :func:`purchase_log`, one row per order: buying follows the BG/NBD model (Fader,
  Hardie & Lee 2005a: Poisson buying while active, drop-out after each repeat order) at the case's purchase
  frequency and active retention (:func:`bgnbd_parameters_for_case`), and order values follow the Gamma-Gamma
  model (Fader, Hardie & Lee 2005b) around the case's order value; plus a table of the customers.
* ``contract`` - :func:`account_panel`, one row per account and one per contract term: accounts start with
  about the case's seats at about its price per seat, may leave only when a term ends (renewal follows the
  sBG model at the case's renewal rate) and add seats at the case's ``seat_growth`` when they renew.

How a case's rate is matched (a teaching assumption, stated wherever the data are used): churn and renewal,
which firms report for their whole base, are matched among customers with a year's tenure; active retention
is matched for new customers over their first period, because drop-out in the BG/NBD model happens only at a
purchase and a base-wide rate is often out of its reach.

Customer attributes are drawn from ``z``, the normal score of each customer's propensity to leave (high ``z`` =
more likely to leave), plus noise, so they carry real but imperfect information about value. Every case gets
generic attributes (the plans' market, how the customer was won, how much they use the service, price
sensitivity); a case folder may add its own in ``synthetic.yaml`` (see :func:`case_attributes`), which is how
the Netflix case gets viewing hours and genres and why no other case does.

Each company draws from its own random stream (:func:`company_stream`: the seed and the company id), so two
companies never share data even when their figures are equal. :func:`simulate_case` returns every table of
every company with the case's currency and customer noun in the column names (``order_value_gbp``,
``client_id``), ready for ``clvedu simulate`` to write; the ``*_from_case`` functions return the same data
with the plain column names the book uses (``customer_id``, ``value``, ``monthly_price``).

Where each part lives:

* :mod:`~clvedu.simulate.attributes` - the generic customer attributes, a case's own from ``synthetic.yaml``,
  and drawing them;
* :mod:`~clvedu.simulate.calibration` - model parameters from a case's figures (sBG churn and renewal, BG/NBD
  buying and drop-out, Gamma-Gamma spend) and the assumed ones;
* :mod:`~clvedu.simulate.plans` - the plans a subscriber can join and the tilt of plan choice to a target price;
* :mod:`~clvedu.simulate.subscriptions`, :mod:`~clvedu.simulate.purchases`, :mod:`~clvedu.simulate.contracts`
  - the three kinds of table, from parameters;
* :mod:`~clvedu.simulate.from_case` - each kind of table for one company of a case;
* :mod:`~clvedu.simulate.tables` - every table of a case, labelled for ``clvedu simulate``;
* :mod:`~clvedu.simulate.common` and :mod:`~clvedu.simulate.columns` - seeds, labels, small helpers and the
  column names each table reserves.

Every public name is importable from ``clvedu.simulate`` itself.
"""

from clvedu.simulate.attributes import (
    ATTRIBUTES_FILE,
    BUSINESS_CHANNELS,
    CONSUMER_CHANNELS,
    TABLE_KINDS,
    Attribute,
    Level,
    TableAttributes,
    Usage,
    case_attributes,
    load_attributes,
)
from clvedu.simulate.calibration import (
    MEMBERSHIP_PURCHASING,
    PRIME_LIKE_PURCHASING,
    SPEND_SHAPE,
    bgnbd_parameters_for_case,
    bgnbd_survival,
    gamma_gamma_parameters,
    sbg_parameters_for_churn,
)
from clvedu.simulate.common import SYNTHETIC_NOTE, company_stream, plural
from clvedu.simulate.contracts import AccountData, account_panel
from clvedu.simulate.from_case import account_panel_from_case, purchase_log_from_case, subscription_panel_from_case
from clvedu.simulate.plans import PlanOption, current_plans
from clvedu.simulate.purchases import PurchaseData, purchase_log
from clvedu.simulate.subscriptions import subscription_panel
from clvedu.simulate.tables import SyntheticTable, simulate_case, simulate_company

__all__ = [
    "ATTRIBUTES_FILE", "AccountData", "Attribute", "BUSINESS_CHANNELS", "CONSUMER_CHANNELS", "Level",
    "MEMBERSHIP_PURCHASING", "PRIME_LIKE_PURCHASING", "PlanOption", "PurchaseData", "SPEND_SHAPE",
    "SYNTHETIC_NOTE", "SyntheticTable", "TABLE_KINDS", "TableAttributes", "Usage", "account_panel",
    "account_panel_from_case", "bgnbd_parameters_for_case", "bgnbd_survival", "case_attributes", "company_stream",
    "current_plans", "gamma_gamma_parameters", "load_attributes", "plural", "purchase_log", "purchase_log_from_case",
    "sbg_parameters_for_churn", "simulate_case", "simulate_company", "subscription_panel",
    "subscription_panel_from_case",
]
