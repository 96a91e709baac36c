"""The columns each kind of synthetic table already has, so that a case's own attributes cannot reuse them."""

from __future__ import annotations

from clvedu.simulate.common import _FREQ
from clvedu.units import ADJECTIVE


def _panel_names(period: str) -> dict[str, str]:
    adj = ADJECTIVE[period]
    return {"signup": f"signup_{period}", "tenure": f"tenure_{period}s", "price": f"{adj}_price",
            "usage": f"active_days_{adj}"}


_RESERVED = {
    "subscription_panel": {"customer_id", "cohort", "plan", "price_sensitivity", "churned", "churn_propensity",
                           "acquisition_channel", "market"}
    | {v for p in _FREQ for v in _panel_names(p).values()},
    "purchase_log": {"customer_id", "joined", "market", "acquisition_channel", "orders", "dropout_probability",
                     "mean_order_value", "dropped_out", "date", "value"}
    | {f"purchase_rate_{ADJECTIVE[p]}" for p in _FREQ},
    "account_panel": {"customer_id", "start_date", "market", "acquisition_channel", "seats_at_start", "seats",
                      "terms_started", "terms_renewed", "left", "left_on", "non_renewal_probability", "term",
                      "term_start", "term_end", "contract_value", "outcome"}
    | {f"price_per_seat_{ADJECTIVE[p]}" for p in _FREQ} | {f"contract_value_{ADJECTIVE[p]}" for p in _FREQ},
}
