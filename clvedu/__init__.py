"""clvedu: Customer Lifetime Value, calculated exactly and taught step by step.

Modules, by what they are for:

* :mod:`clvedu.units` - quantities that carry their period (monthly churn, annual discount) and conversions;
* :mod:`clvedu.clv` - closed-form CLV in each textbook timing convention;
* :mod:`clvedu.cases` - case folders (companies, sourced figures, labelled assumptions);
* :mod:`clvedu.rubric` - Unit 38 learning outcomes and grading criteria;
* :mod:`clvedu.charts` - chart specifications drawn by both the book (matplotlib) and the decks (PowerPoint).
"""

from clvedu.units import Churn, Discount, Duration, Growth, Money, PeriodMismatchError, Retention

__all__ = ["Churn", "Discount", "Duration", "Growth", "Money", "PeriodMismatchError", "Retention"]
__version__ = "0.1.0"
