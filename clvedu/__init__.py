"""clvedu: Customer Lifetime Value, calculated exactly and taught step by step.

Modules, by what they are for:

* :mod:`clvedu.units` - quantities that carry their period (monthly churn, annual discount) and conversions;
* :mod:`clvedu.clv` - closed-form CLV in each textbook timing convention;
* :mod:`clvedu.models` - probabilistic models fitted to customer data: shifted-beta-geometric
  (subscriptions), BG/NBD and Gamma-Gamma (repeat purchases), and CLV from them;
* :mod:`clvedu.simulate` and :mod:`clvedu.data` - seeded synthetic customer data, RFM summaries and
  cohort tables;
* :mod:`clvedu.segments` - STP: segmentation bases, RFM and value tiers, k-means, targeting, positioning;
* :mod:`clvedu.decisions` - B2C and B2B decision models, choice rules, funnels, brand switching;
* :mod:`clvedu.levers` - sensitivity of CLV to each driver and technique scenarios with their costs;
* :mod:`clvedu.cases` - case folders (companies, sourced figures, labelled assumptions, decision journeys);
* :mod:`clvedu.rubric` and :mod:`clvedu.assessment` - Unit 38 outcomes and criteria, and where the book
  and the exemplar deck meet each criterion;
* :mod:`clvedu.charts` - chart specifications drawn by both the book (matplotlib) and the decks (PowerPoint);
* :mod:`clvedu.decks` - the exemplar and briefing decks, and the coverage check of any deck;
* :mod:`clvedu.formatting` and :mod:`clvedu.teaching` - numbers as people read them, and the book's helpers;
* :mod:`clvedu.cli` with :mod:`clvedu.commands` - the ``clvedu`` command line, a thin layer over the above.
"""

from clvedu.units import Churn, Discount, Duration, Growth, Money, PeriodMismatchError, Retention

__all__ = ["Churn", "Discount", "Duration", "Growth", "Money", "PeriodMismatchError", "Retention"]
__version__ = "0.1.0"
