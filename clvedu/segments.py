"""Segmentation, targeting and positioning (STP) for value: bases, RFM, value tiers, clusters, economics.

* :data:`BASES` and :func:`profile` - the classic segmentation bases (demographic, psychographic,
  behavioural, value) applied to a subscription panel (:func:`clvedu.simulate.subscription_panel`).
* :func:`rfm_scores`, :func:`rfm_segments` - quantile scores for recency, frequency and monetary value
  and named segments with documented rules.
* :func:`value_tiers` - Platinum, Gold, Silver and Bronze by CLV quartile.
* :func:`choose_k`, :func:`kmeans_segments` - k-means on scaled features, k chosen by silhouette.
* :func:`segment_economics` - size, revenue, churn, cost to serve and CLV of each segment.
* :func:`targeting_scorecard` - weighted attractiveness of each segment, with weights a student can change.
* :func:`perceptual_map` - two attributes of the services as map coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from clvedu.clv import lifetime_value
from clvedu.units import Discount, Money, check_range

__all__ = [
    "BASES", "profile", "viewing_band", "observed_monthly_churn", "rfm_from_summary", "rfm_scores", "rfm_segments",
    "RFM_RULES", "value_tiers", "KChoice", "choose_k", "KMeansResult", "kmeans_segments", "segment_economics",
    "targeting_scorecard", "perceptual_map",
]

BASES: dict[str, list[str]] = {
    "demographic": ["age_band", "region"],
    "psychographic": ["motivation"],
    "behavioural": ["viewing_band", "device", "plan", "favourite_genre"],
}
"""Panel columns behind each segmentation basis (``viewing_band`` is added by :func:`viewing_band`;
the value basis uses :func:`value_tiers`)."""


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}")
    if frame.empty:
        raise ValueError(f"{name} has no rows")


def viewing_band(hours_monthly: pd.Series) -> pd.Series:
    """Light (under 10 hours a month), medium (10-30) and heavy (over 30) viewers."""
    hours = pd.Series(check_range("viewing_hours_monthly", hours_monthly, 0.0), index=getattr(hours_monthly, "index", None))
    return pd.cut(hours, [-np.inf, 10, 30, np.inf], labels=["light (<10 h)", "medium (10-30 h)", "heavy (>30 h)"],
                  right=False).astype(str).rename("viewing_band")


def observed_monthly_churn(tenure_months, churned) -> float:
    """Monthly churn estimated from a panel: leavers / monthly renewal decisions observed.

    A subscriber who left after paying L months made L decisions (L - 1 to stay, one to leave); one
    still subscribed after T paid months has made T - 1 decisions, all to stay. For a constant monthly
    churn (geometric lifetimes) leavers / decisions is the maximum-likelihood estimate.
    """
    tenure = np.asarray(check_range("tenure_months", tenure_months, 1.0), dtype=float)
    left = np.asarray(churned, dtype=bool)
    decisions = np.where(left, tenure, tenure - 1.0).sum()
    if decisions <= 0:
        raise ValueError("no renewal decisions observed (every subscriber is in their first month); churn is undefined")
    return float(left.sum() / decisions)


def profile(panel: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Profile of the segments formed by ``by`` (one or more panel columns): customers, share of
    customers, mean monthly price, mean viewing hours, share price-sensitive (> 0.5), observed monthly
    churn (see :func:`observed_monthly_churn`) and expected lifetime in months (1 / churn)."""
    cols = [by] if isinstance(by, str) else list(by)
    frame = panel.copy()
    if "viewing_band" in cols and "viewing_band" not in frame:
        _require(frame, ["viewing_hours_monthly"], "panel")
        frame["viewing_band"] = viewing_band(frame["viewing_hours_monthly"])
    _require(frame, cols + ["monthly_price", "viewing_hours_monthly", "price_sensitivity", "tenure_months", "churned"],
             "panel")
    rows = []
    for key, g in frame.groupby(cols, observed=True, sort=True):
        churn = observed_monthly_churn(g["tenure_months"], g["churned"])
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(cols, key)), "customers": len(g), "share": len(g) / len(frame),
                     "monthly_price": g["monthly_price"].mean(), "viewing_hours": g["viewing_hours_monthly"].mean(),
                     "price_sensitive_share": (g["price_sensitivity"] > 0.5).mean(), "monthly_churn": churn,
                     "expected_lifetime_months": 1.0 / churn if churn > 0 else np.inf})
    table = pd.DataFrame(rows)
    if np.isinf(table["expected_lifetime_months"]).any():
        raise ValueError("a segment has no leavers, so its churn is 0 and its lifetime unbounded; use larger segments")
    return table


# --- RFM ----------------------------------------------------------------------------------------------------

def rfm_from_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Recency since the last purchase, frequency and monetary value from :func:`clvedu.data.rfm_summary`.

    ``rfm_summary`` follows the BG/NBD convention, where ``recency`` is the time from the first to the
    last purchase and ``T`` the time from the first purchase to the end; RFM needs the time *since* the
    last purchase, ``T - recency``, in the same period (``attrs["period"]``). Frequency counts all
    purchases (repeat purchases + 1).
    """
    _require(summary, ["frequency", "recency", "T"], "summary")
    period = summary.attrs.get("period", "period")
    out = pd.DataFrame({
        "recency": summary["T"] - summary["recency"],
        "frequency": summary["frequency"] + 1,
        "monetary": summary["monetary_value"] if "monetary_value" in summary else np.nan,
    }, index=summary.index)
    out.attrs["period"] = period
    out.attrs["recency_unit"] = f"{period}s since the last purchase"
    return out


def _quantile_score(values: pd.Series, bins: int, higher_is_better: bool) -> pd.Series:
    ranks = values.rank(method="first", ascending=higher_is_better)
    return (np.ceil(ranks * bins / len(values))).astype(int).clip(1, bins)


def rfm_scores(frame: pd.DataFrame, *, recency: str = "recency", frequency: str = "frequency",
               monetary: str = "monetary", bins: int = 5) -> pd.DataFrame:
    """Quantile scores 1..``bins`` for recency (fewer periods since the last purchase scores higher),
    frequency and monetary value (more scores higher), plus ``rfm`` (e.g. "545") and ``fm`` (mean of F and M).

    Ties are split by order of appearance (rank method "first") so that each score holds an equal
    share of customers; ``bins`` must be between 2 and the number of customers.
    """
    _require(frame, [recency, frequency, monetary], "frame")
    bins = int(bins)
    if not 2 <= bins <= len(frame):
        raise ValueError(f"bins must be between 2 and the number of customers ({len(frame)}); got {bins}")
    for col in (recency, frequency, monetary):
        check_range(col, frame[col])
    out = pd.DataFrame({
        "R": _quantile_score(frame[recency], bins, higher_is_better=False),
        "F": _quantile_score(frame[frequency], bins, higher_is_better=True),
        "M": _quantile_score(frame[monetary], bins, higher_is_better=True),
    }, index=frame.index)
    out["rfm"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out["fm"] = (out["F"] + out["M"]) / 2
    out.attrs["bins"] = bins
    return out


RFM_RULES: list[tuple[str, str]] = [
    ("Champions", "bought recently and often, and spend the most: R and FM both high"),
    ("Loyal", "buy regularly: R and FM at least middling"),
    ("Potential", "bought recently but not yet often: R high, FM low"),
    ("At Risk", "used to buy often and spend well but not lately: R low, FM at least middling"),
    ("Needs Attention", "middling recency, low frequency and spend"),
    ("Lost", "not recent, rarely bought, spent little: R low, FM low"),
]
"""Named RFM segments in the order the rules are tried. With scores scaled to s = (score - 1)/(bins - 1),
"high" means s >= 0.75 (4 or 5 of 5), "middling" s >= 0.5 (3 of 5) and "low" s < 0.5."""


def rfm_segments(scores: pd.DataFrame) -> pd.Series:
    """Name each customer's RFM segment from :func:`rfm_scores` by the rules in :data:`RFM_RULES`."""
    _require(scores, ["R", "fm"], "scores")
    bins = scores.attrs.get("bins") or int(max(scores["R"].max(), scores["fm"].max()))
    r = (scores["R"] - 1) / (bins - 1)
    fm = (scores["fm"] - 1) / (bins - 1)
    high_r, mid_r, high_fm, mid_fm = r >= 0.75, r >= 0.5, fm >= 0.75, fm >= 0.5
    conditions = [high_r & high_fm, mid_r & mid_fm, high_r & ~mid_fm, ~mid_r & mid_fm, mid_r & ~mid_fm, ~mid_r & ~mid_fm]
    names = [name for name, _ in RFM_RULES]
    labels = np.select(conditions, names, default="Lost")
    return pd.Series(pd.Categorical(labels, categories=names), index=scores.index, name="rfm_segment")


# --- value tiers --------------------------------------------------------------------------------------------------

TIERS = ["Platinum", "Gold", "Silver", "Bronze"]


def value_tiers(clv) -> pd.Series:
    """Platinum (top 25% of CLV), Gold, Silver, Bronze (bottom 25%), by rank so ties split evenly."""
    values = pd.Series(clv) if not isinstance(clv, pd.Series) else clv
    if len(values) < 4:
        raise ValueError(f"clv needs at least 4 customers to form quartile tiers; got {len(values)}")
    check_range("clv", values)
    ranks = values.rank(method="first", ascending=False)
    quartile = np.ceil(ranks * 4 / len(values)).astype(int).clip(1, 4)
    return pd.Series(pd.Categorical([TIERS[q - 1] for q in quartile], categories=TIERS), index=values.index,
                     name="value_tier")


# --- clustering ----------------------------------------------------------------------------------------------------

def _features(features: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(features, pd.DataFrame) or features.empty:
        raise ValueError("features must be a non-empty DataFrame of numeric columns")
    bad = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if bad:
        raise ValueError(f"features must be numeric; column {bad[0]!r} is not (one-hot encode it with pandas.get_dummies)")
    values = features.astype(float)
    if not np.isfinite(values.to_numpy()).all():
        raise ValueError("features contain a missing or infinite value")
    return values


@dataclass(frozen=True)
class KChoice:
    """The silhouette score (and within-cluster sum of squares) of each k tried, and the best k."""

    best_k: int
    table: pd.DataFrame


def choose_k(features: pd.DataFrame, k_range: Sequence[int] = range(2, 8), seed: int = 0, *,
             sample_size: int | None = 2000) -> KChoice:
    """Fit k-means on standardised features for each k and pick the k with the highest silhouette.

    The silhouette of a customer is (b - a) / max(a, b), with a the mean distance to its own cluster and
    b to the nearest other cluster (Rousseeuw 1987); its mean runs from -1 to 1, higher meaning tighter,
    better-separated clusters. On large panels it is computed on a seeded random sample of
    ``sample_size`` customers (None: all).
    """
    from sklearn.metrics import silhouette_score

    values = _features(features)
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 2:
        raise ValueError("k_range must contain whole numbers of clusters of at least 2")
    if ks[-1] >= len(values):
        raise ValueError(f"k_range goes up to k={ks[-1]}, but there are only {len(values)} customers; "
                         "k must be smaller than the number of customers")
    scaled = _scale(values)
    rows = []
    for k in ks:
        model = _kmeans(k, seed).fit(scaled)
        n = None if sample_size is None or sample_size >= len(values) else int(sample_size)
        score = silhouette_score(scaled, model.labels_, sample_size=n, random_state=seed)
        rows.append({"k": k, "silhouette": float(score), "inertia": float(model.inertia_)})
    table = pd.DataFrame(rows)
    best = int(table.loc[table["silhouette"].idxmax(), "k"])
    return KChoice(best, table)


def _scale(values: pd.DataFrame) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(values.to_numpy())


def _kmeans(k: int, seed: int):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=seed)


@dataclass(frozen=True)
class KMeansResult:
    """Cluster labels (``labels``, indexed like the features), cluster means in the features' own units
    (``centres``), sizes, and a plain-words description of each cluster (``descriptions``)."""

    labels: pd.Series
    centres: pd.DataFrame
    sizes: pd.Series
    descriptions: pd.Series


def kmeans_segments(features: pd.DataFrame, k: int, seed: int = 0) -> KMeansResult:
    """k-means on standardised features (mean 0, s.d. 1 each, so no feature dominates by its units).

    Clusters are numbered by size, largest first. Each cluster is described by the features whose
    cluster mean is at least half a standard deviation from the overall mean ("high viewing hours,
    low price sensitivity"); a cluster with none is "close to the average".
    """
    values = _features(features)
    k = int(k)
    if k < 2:
        raise ValueError(f"k must be at least 2; got {k}")
    if k > len(values):
        raise ValueError(f"k ({k}) cannot be larger than the number of customers ({len(values)})")
    model = _kmeans(k, seed).fit(_scale(values))
    raw = pd.Series(model.labels_, index=values.index)
    order = raw.value_counts().index.tolist()
    relabel = {old: new for new, old in enumerate(order)}
    labels = raw.map(relabel).rename("cluster")
    centres = values.groupby(labels).mean()
    sizes = labels.value_counts().sort_index().rename("customers")
    if (sizes == 0).any() or len(sizes) < k:
        raise ValueError("k-means left a cluster empty; choose a smaller k")
    z = (centres - values.mean()) / values.std(ddof=0).replace(0, 1)
    descriptions = pd.Series({c: _describe_cluster(z.loc[c]) for c in centres.index}, name="description")
    return KMeansResult(labels, centres, sizes, descriptions)


def _describe_cluster(z: pd.Series) -> str:
    strong = z[z.abs() >= 0.5].sort_values(key=np.abs, ascending=False)
    if strong.empty:
        return "close to the average on every feature"
    return ", ".join(f"{'high' if v > 0 else 'low'} {str(name).replace('_', ' ')}" for name, v in strong.head(3).items())


# --- segment economics and targeting ----------------------------------------------------------------------------------

def segment_economics(panel: pd.DataFrame, segment: str, *, margin_rate: float, discount: Discount,
                      acquisition_cost: float = 0.0, cost_to_serve: Money | Mapping[str, Money] | None = None,
                      model_clv: pd.Series | None = None) -> pd.DataFrame:
    """What each segment is worth: customers, share, monthly revenue per member (mean price), observed
    monthly churn, monthly cost to serve, and closed-form CLV per member.

    CLV = (ARPU x margin_rate - cost to serve) r / (1 + d - r) - acquisition cost, with r = 1 - churn
    per month and d the monthly discount rate (Gupta & Lehmann 2003, timing ``end``). ``discount`` must
    be monthly (convert an annual rate with ``.to("month")``). ``cost_to_serve`` is one monthly Money
    for every segment or one per segment. ``model_clv`` (one value per customer, e.g. from the sBG
    model) adds its mean per segment as ``model_clv``. Also returns ``total_value`` = customers x CLV.
    """
    _require(panel, [segment, "monthly_price", "tenure_months", "churned"], "panel")
    if not isinstance(discount, Discount) or discount.per != "month":
        raise ValueError("discount must be a monthly Discount (e.g. Discount(0.10, per='year').to('month'))")
    rate = float(check_range("margin_rate", margin_rate, 0.0, 1.0))
    ac = float(check_range("acquisition_cost", acquisition_cost, 0.0))
    groups = panel.groupby(segment, observed=True, sort=True)
    names = [str(k) for k in groups.groups]

    def serve(name) -> float:
        if cost_to_serve is None:
            return 0.0
        money = cost_to_serve
        if isinstance(cost_to_serve, Mapping):
            if name not in cost_to_serve:
                raise ValueError(f"cost_to_serve has no value for segment {name!r}; segments: {', '.join(names)}")
            money = cost_to_serve[name]
        if not isinstance(money, Money):
            raise ValueError("cost_to_serve must be Money per month (e.g. Money(1.5, per='month'))")
        return float(check_range(f"cost_to_serve of {name!r}", (money if money.per == "month" else money.to("month")).value, 0.0))

    if isinstance(cost_to_serve, Mapping):
        unknown = [k for k in cost_to_serve if k not in names]
        if unknown:
            raise ValueError(f"cost_to_serve names unknown segment {unknown[0]!r}; segments: {', '.join(names)}")
    rows = []
    for key, g in groups:
        if len(g) == 0:
            raise ValueError(f"segment {key!r} is empty")
        churn = observed_monthly_churn(g["tenure_months"], g["churned"])
        arpu = float(g["monthly_price"].mean())
        cost = serve(str(key))
        value = float(lifetime_value(arpu * rate - cost, 1.0 - churn, float(discount.value), acquisition_cost=ac))
        row = {"segment": str(key), "customers": len(g), "share": len(g) / len(panel), "monthly_arpu": arpu,
               "monthly_churn": churn, "monthly_cost_to_serve": cost, "clv": value}
        if model_clv is not None:
            row["model_clv"] = float(pd.Series(model_clv).reindex(g.index).mean())
        rows.append(row)
    table = pd.DataFrame(rows)
    table["total_value"] = table["customers"] * table["clv"]
    return table


def targeting_scorecard(segments: pd.DataFrame, weights: Mapping[str, float], *,
                        lower_is_better: Sequence[str] = (), name: str = "segment") -> pd.DataFrame:
    """Weighted attractiveness of each segment on the criteria in ``weights`` (which must sum to 1).

    Each criterion is rescaled across segments to 0 (worst) .. 1 (best) - min-max, reversed for
    criteria in ``lower_is_better`` such as churn or cost to serve - then combined with the weights.
    Returns the segments with one ``<criterion>_score`` column each, ``score`` and ``rank`` (1 = target first).
    """
    _require(segments, [name], "segments")
    unknown = [c for c in list(weights) + list(lower_is_better) if c not in segments.columns]
    if unknown:
        raise ValueError(f"weights names unknown criterion {unknown[0]!r}; the columns are {', '.join(map(str, segments.columns))}")
    w = {c: float(check_range(f"weight of {c}", v, 0.0)) for c, v in weights.items()}
    if abs(sum(w.values()) - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1; they sum to {sum(w.values()):g}")
    out = segments.copy()
    total = np.zeros(len(out))
    for c, weight in w.items():
        v = np.asarray(check_range(c, out[c]), dtype=float)
        span = v.max() - v.min()
        scaled = np.full(len(v), 0.5) if span == 0 else (v - v.min()) / span
        if c in lower_is_better:
            scaled = 1.0 - scaled
        out[f"{c}_score"] = scaled
        total += weight * scaled
    out["score"] = total
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    return out.sort_values("rank").reset_index(drop=True)


def perceptual_map(attribute_table: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Coordinates of each service on two attributes: DataFrame[service, x, y] (``attrs`` name the axes)."""
    if not isinstance(attribute_table, pd.DataFrame) or attribute_table.empty:
        raise ValueError("attribute_table must be a non-empty DataFrame: one row per service")
    for axis, col in (("x", x), ("y", y)):
        if col not in attribute_table.columns:
            raise ValueError(f"{axis} names unknown attribute {col!r}; the attributes are {', '.join(map(str, attribute_table.columns))}")
    if x == y:
        raise ValueError("x and y must be two different attributes")
    out = pd.DataFrame({"service": [str(i) for i in attribute_table.index],
                        "x": np.asarray(check_range(x, attribute_table[x]), dtype=float),
                        "y": np.asarray(check_range(y, attribute_table[y]), dtype=float)})
    out.attrs.update(x=x, y=y)
    return out
