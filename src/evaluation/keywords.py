"""The library's vocabulary: every keyword argument name, with its one meaning.

One name per concept: the column holding the outcome is ``outcome`` in every
estimator, the confidence level of intervals is ``level`` and the size of a test
is ``alpha``, wherever they appear. :data:`KEYWORDS` maps each name a public
function of the methods, data, services, guide, report and results layers takes
to its meaning in one sentence; :data:`KIND` sorts the names by kind (the role
a column plays, an option, a value, the data worked on, ...), described in
:data:`KINDS`. ``tests/test_keywords.py`` walks every public signature and fails
on a name that is not here, and on an entry no function uses.

A new function reuses a name from this list when it means the same thing, and
adds a name (with its meaning) only for a concept the list lacks. The generators
of :mod:`evaluation.simulate` are left out: their knobs are specific to each
simulation.

:func:`glossary` gives the list as a table, with the public functions using each
name found by reading their signatures; the book's page *Keywords of the
library* shows it by kind.

Examples
--------
>>> from evaluation import keywords
>>> keywords.KEYWORDS["level"]
'Confidence level of intervals, between 0 and 1 (default 0.95).'
>>> keywords.KIND["outcome"], keywords.KIND["method"]
('column', 'option')
>>> table = keywords.glossary()
>>> list(table.columns)
['keyword', 'kind', 'meaning', 'used_by']
>>> "did.two_by_two" in table.set_index("keyword").loc["outcome", "used_by"]
True
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pandas as pd

__all__ = ["KEYWORDS", "KIND", "KINDS", "glossary", "usage"]

#: Each kind of keyword, with what it is.
KINDS: dict[str, str] = {
    "column": "The name of a column of the data frame passed in: the role that column plays.",
    "option": "A choice of how to compute: which variant, the level of intervals, a bandwidth.",
    "value": "A number, label or flag that is part of the question, passed in directly.",
    "data": "What a function works on: a data frame, array, series, file or fitted result.",
    "answer": "An answer to one of the decision guide's questions about a policy.",
    "display": "How a table, number or figure is shown.",
}

_TABLE: dict[str, dict[str, str]] = {
    "column": {
        "count": "Column of counts of people in each cell of a table (whole, not negative).",
        "magnitude": "Column of each record's amount (spend, income) whose cell totals are "
        "checked for dominance.",
        "area": "Column naming the area a contract serves (the contract package area).",
        "attachment_fee": "Column of the fee paid for each participant attached to a provider.",
        "benefit_per_unit": "Column of the benefit a unit of effect brings in each year.",
        "benefits": "Column of benefits in real pounds (positive numbers).",
        "cluster": "Column whose values define clusters for cluster-robust standard errors.",
        "cohort": "Column holding the first period each unit is treated (0 or missing if never).",
        "comparison": (
            "Column marking the rows of a comparison series the reform did not affect: true "
            "(or 1) there, false (or 0) on the reformed series."
        ),
        "concentration": "Column of market concentration, the HHI on its 0 to 10,000 scale.",
        "costs": "Column of costs in real pounds (positive numbers).",
        "covariates": "Columns of characteristics to adjust for or compare (controls).",
        "denominator": (
            "Column of the count each rate is out of (people, referrals, trials): the "
            "denominator of events."
        ),
        "entries": "Column counting providers that entered the market in the period.",
        "events": "Column counting the events (outcomes) each rate is made of: its numerator.",
        "exits": "Column counting providers that left the market in the period.",
        "expected": "Column of the rate expected without the provider's help (0 to 1).",
        "exposure": (
            "Column of the regressor whose association with the outcome is estimated (a "
            "quantity, not a treatment indicator)."
        ),
        "fixed_effects": "Column whose values each get their own intercept (fixed effects).",
        "good": "Columns counting the services rated good or better.",
        "group": "Column of group labels (ownership, payment group, ...).",
        "job_outcome_fee": "Column of the fee paid for each job outcome.",
        "market": "Column naming the market (for example the council).",
        "minimum": "Column of minimum performance levels (0 to 1).",
        "outcome": "Column holding the outcome each estimate is of.",
        "outcome_rate": "Column of job outcome rates (0 to 1).",
        "outcome_week": "Column of the week of each participant's job outcome.",
        "outcomes": "Column counting the outcomes achieved, in the same rows as the costs.",
        "owner": "Column of ownership types (for-profit, council, third sector, ...).",
        "pair": "Column identifying the matched pair each row belongs to.",
        "person_time": (
            "Column of time at risk behind each row's count (a Poisson exposure), such as "
            "person-years."
        ),
        "post": "Column marking rows in the period after the change: 1 there, 0 before.",
        "predictors": "Columns whose pre-period means the synthetic control's weights match.",
        "provider": "Column naming the provider (the owner, not the site).",
        "rated": "Column counting the services rated.",
        "referral_week": "Column of the week each participant was referred.",
        "region": "Column grouping units into regions (each unit in one region).",
        "running": "Column of the running variable whose cut-off decides treatment.",
        "size": "Column of each provider's size (beds, places, a count of homes).",
        "stock": "Column counting the providers in the market at the end of the period.",
        "sustainment_max": "Column of the most a job outcome can earn in sustainment payments.",
        "time": (
            "Column holding each row's period: a number or date that sorts in time order "
            "(whole years from now in value-for-money appraisals)."
        ),
        "treated": (
            "Column marking the treated group: 1 for every row of a unit that is ever treated, "
            "0 otherwise."
        ),
        "treatment": (
            "Column marking rows under treatment: 1 where the unit is treated in that row's "
            "period (or the person took part), 0 otherwise."
        ),
        "unit": "Column identifying the unit observed over time or compared (council, provider, "
        "school).",
        "value": "Column of amounts in cash, to convert to real terms.",
        "weights": "Column of positive weights (or one weight per row).",
    },
    "option": {
        "dominance_k": "Share of a cell total its largest contributors may not exceed (NK rule).",
        "dominance_n": "How many of a cell's largest contributors the NK rule adds up.",
        "minimum_count": "Fewest people or contributors a released cell may rest on.",
        "p_ratio": "Least share of the largest contribution the rest of a cell must add up to.",
        "protection": "Width of the range an intruder must be left with for a suppressed cell.",
        "rounding_base": "Base released counts are rounded to (such as 5).",
        "zeros_disclosive": "Whether a zero count is treated as a cell too small to release.",
        "grid_points": "Number of values a grid search tries (effects searched for a break-even "
        "point, or values of the target tested when inverting a test into a confidence set).",
        "restriction": "Which bound on violations of parallel trends to impose "
        "(relative magnitudes or smoothness).",
        "alpha": "Size of a significance test (the chance of a false positive), not a confidence "
        "level.",
        "benchmarks": "Recorded covariates that a hypothetical omitted confounder is set against.",
        "allow_unbalanced": "Whether a panel in which some units miss some periods is used as it "
        "is (as R did's allow_unbalanced_panel) rather than refused.",
        "anticipation": "Number of periods before adoption in which units may already react "
        "to the treatment.",
        "balanced": "Whether to keep only units observed in every period.",
        "bandwidth": "Half-width of the window around the cut-off, in units of the running "
        "variable.",
        "base_period": "Which period a staggered design's pre-period cells compare with.",
        "base_year": "Year whose prices real-terms amounts are expressed in.",
        "bias_bandwidth": "Bandwidth of the fit that estimates a local-polynomial estimate's "
        "bias (rdrobust's b), in units of the running variable.",
        "bin_width": "Width of the histogram bins of the running variable.",
        "caliper": "Largest allowed distance between matched propensity scores.",
        "cohort_length": "Length of the published reoffending cohorts: annual or 3-monthly.",
        "control_group": "Which untreated units form the comparison: never treated or not yet "
        "treated.",
        "connection": "DuckDB connection to read with (DuckDB's default connection if not given).",
        "cov_type": "Kind of standard errors: cluster-robust, heteroskedasticity-robust or "
        "classical.",
        "decimals": "Decimal places rates are rounded to (as published, or when derived from "
        "counts).",
        "decrease": "Whether the change to detect is a fall (True) or a rise.",
        "discount_outcomes": "Whether outcomes are discounted like costs.",
        "distribution": "Reference distribution of the test statistic: normal or t.",
        "download": "Whether to download a dataset that has no local copy.",
        "equal_variance": "Whether the two groups' variances are taken to be equal.",
        "estimator": "Which estimator's regression to use (e.g. two_by_two, twfe or event_study).",
        "estimand": "Which average effect is estimated: on the treated (ATT) or on all (ATE).",
        "family": "Distribution of the counts or outcome: binomial or Poisson.",
        "gammas": (
            "Values of Rosenbaum's Gamma (the most hidden bias in the odds of treatment within "
            "a pair) to report."
        ),
        "hac_lags": "Lags of the Newey-West (autocorrelation-robust) covariance.",
        "higher_is_better": "Whether rank 1 goes to the highest rate (True) or the lowest.",
        "k": "Number of largest providers whose shares a concentration ratio adds.",
        "kd": "How many times as strongly as a benchmark a confounder relates to the treatment.",
        "ky": "How many times as strongly as a benchmark a confounder relates to the outcome.",
        "inference": "How the standard error is computed: placebo, bootstrap or jackknife.",
        "kernel": "Weighting kernel of local regression: triangular, uniform or epanechnikov.",
        "leads": "Number of periods before adoption whose indicators a pre-trend test includes.",
        "level": "Confidence level of intervals, between 0 and 1 (default 0.95).",
        "levels": "Confidence levels of the inner and outer limits of a funnel plot.",
        "log": "Whether to model the logarithm of the outcome.",
        "max_denominator": "Largest denominator searched.",
        "max_effort": "Largest effort, in pounds, a provider is assumed to consider.",
        "method": "Which variant of the estimator to use.",
        "masspoints": "How repeated values of the running variable are handled: adjust "
        "(rdrobust's default) or off.",
        "n_neighbours": "Number of matches for each unit.",
        "n_window": "Observations within the bandwidth either side of a cutoff in the design "
        "assessed: one number for each side, or a pair (below, above).",
        "order": "Order of a local polynomial (1: local linear).",
        "overdispersion": "How funnel limits allow for overdispersion: none, multiplicative or "
        "additive.",
        "per": "Number of HHI points a slope is reported per.",
        "phi": "Multiplicative overdispersion factor of funnel limits (1 for none).",
        "q": "Share of an estimate an omitted confounder must explain away (1 for all of it).",
        "rate_tolerance": "Largest allowed gap between a published rate and the one its counts "
        "give.",
        "reference_data": "Frame a model is fitted on instead of the data compared (e.g. all of "
        "England).",
        "reference_group": "Label of the group the others are compared with.",
        "reference_period": "Event time left out as the baseline of an event study (default -1).",
        "replace": "Whether matching is with replacement.",
        "replications": "Number of random draws (bootstrap, placebo or simulation replications) "
        "behind a standard error, band or interval.",
        "schedule": "Discount schedule: (last year, rate) pairs, the Green Book's by default.",
        "selector": "Bandwidth selector of a local-polynomial RD: mserd, msetwo, msesum, "
        "msecomb1, msecomb2 or their CER-optimal versions cerrd, certwo, ...",
        "seasonal": "Seasonal pattern of a time series: its period, or a column of season labels.",
        "seed": "Seed of the random number generator: the same seed gives the same result.",
        "stochastic_seasonal": "Whether the seasonal pattern may change over time.",
        "tau2": "Additive overdispersion (between-unit variance) of funnel limits.",
        "trend": "Whether to add a stochastic slope to the level of a time series.",
        "trim": "Propensity scores outside [trim, 1 - trim] are dropped.",
        "two_sided": "Whether the test is two-sided.",
        "vce": "Variance estimator of a local-polynomial RD: nn (nearest neighbours), hc0, "
        "hc1, hc2 or hc3.",
        "weight_type": "Distribution of wild bootstrap weights: rademacher or webb.",
        "wide": "Whether to return the table wide (one column per scheme) rather than long.",
        "window": "First and last event times to report; those beyond are binned at the ends.",
    },
    "value": {
        "bounds": "Values of the bound on violations of parallel trends (Mbar or M) to report.",
        "contrast": "Weights on the post-adoption effects defining the target of inference.",
        "n_pre_coefficients": "Number of event-study coefficients before adoption (the "
        "reference period left out).",
        "at": "Week since the start of the programme at which a rate is measured.",
        "benchmark_pct": "The benchmark rate to compare with, in per cent.",
        "first": "The group whose share comes first in a difference (first minus second).",
        "second": "The group whose share is taken away in a difference (first minus second).",
        "headline": "The level of the group column whose gap is the headline estimate.",
        "ages": "Age band of an indicator, such as all ages or 15-17.",
        "attribute": "Name of the attribute of a result holding its headline number.",
        "baseline": "Proportion with the outcome before any change (0 to 1).",
        "cluster_size": "People in each randomised cluster (1 when people are randomised).",
        "cutoff": "Value of the running variable at which treatment starts.",
        "date": "Date at which a snapshot is taken.",
        "design": "Name of an evaluation design among the review templates.",
        "df": "Degrees of freedom of a t distribution (normal if not given).",
        "effect": "A true effect, in the units of the outcome.",
        "effects": "True effects, in the units of the outcome.",
        "estimate": "A point estimate.",
        "icc": "Intra-cluster correlation of the outcome (0 to 1).",
        "indicator": "Code of the published indicator (measure) to keep, such as LAIT's "
        "AVG_Attain8_Score or ASCOF's ASC5.",
        "measure": "Which reoffending measure: the old or the new one.",
        "n_obs": "Number of observations: people or units (in a trial, both arms together).",
        "name": "Name of a dataset in the registry or of a review.",
        "names": "Names to look up or clean (of datasets or of councils).",
        "numerator": "Code of the indicator counting the events.",
        "payment_per_outcome": "Payment a provider earns for each outcome, in pounds.",
        "phase": "School phase, such as Secondary.",
        "power": "Chance of detecting the effect the study is designed for (0 to 1).",
        "quantity": "Which published quantity to take, such as the binary rate.",
        "rate": "Annual discount rate.",
        "scale": "Scale of published rates: 100 for percentages, 1 for proportions.",
        "se": "Standard error of an estimate.",
        "setting": "Care setting, such as Residential or Nursing.",
        "share": "A share to format, where 1 is 100 per cent.",
        "start": "Earliest date that counts.",
        "sustainment_share": "Share of the most a job outcome can earn in sustainment payments "
        "that it earns on average (0 to 1).",
        "target": "What is aimed at or compared with: a target rate, or the series to fit.",
        "total_owners": "Number of owners in the market.",
        "total_units": "Number of units (homes, schools) in the market.",
        "treated_after": "Treated group's rate after the change.",
        "treated_before": "Treated group's rate before the change.",
        "treated_share": "Share of people (or clusters) in the treated arm.",
        "treated_unit": "The value of the unit column naming the treated unit.",
        "treatment_time": "First period under treatment, in the units of the time column.",
        "comparison_after": "Comparison group's rate after the change.",
        "comparison_before": "Comparison group's rate before the change.",
        "comparison_denominator": "Count behind the comparison group's rate where the data "
        "lack one.",
        "reason": "Why rows were dropped, in words.",
        "what": "What is being estimated, in words, for an error message (the model).",
        "sd": "Standard deviation of the outcome.",
        "tariff_name": "Label of a tariff in tables and plots.",
        "true_effect": "The true effect built into a simulation (missing for real data).",
        "year": "Year a published file covers: a financial year such as 2013-14, or the "
        "calendar year of the summer exams.",
        "years": "Years to work on.",
        "high": "Upper end of a range.",
        "low": "Lower end of a range.",
    },
    "data": {
        "records": "Table of records, one row per person or contribution.",
        "coefficients": "Event-study coefficients, oldest event time first.",
        "covariance": "Covariance matrix of the coefficients.",
        "dataset": "A registry name, or the path or glob of Parquet or CSV files (or a folder "
        "of partitioned Parquet).",
        "activity": "Tidy table of care activity by council, setting and provision.",
        "checks": "Verdicts of the contract checklist.",
        "cohort_sizes": "Number of people in each unit's cohort.",
        "columns": "Column names to require or use, by role.",
        "complete": "Column names that must have no missing values (all named ones if not given).",
        "constants": "Values given to every row, by field name.",
        "data": "The data to work on: a tidy data frame, one row per observation.",
        "dates": "Dates to work on, one per element.",
        "deflators": "Table of GDP deflators by financial year.",
        "descriptor": "A table schema descriptor.",
        "directory": "Folder to write into.",
        "donors": "Array of the donors' series, one column per donor.",
        "drop": "Rows to drop, marked true.",
        "estimates": "One estimate per study.",
        "file": "Path of a file to read or write.",
        "figures": "Table of published figures, one row per figure, with its source.",
        "file_name": "Name of the file read, used in errors.",
        "frame": "A data frame to work on.",
        "group_links": "Table of links between schools and their trusts.",
        "groups": "The participant groups of a payment-by-results contract.",
        "hhi_values": "HHI values on the 0 to 10,000 scale.",
        "keys": "Columns that together identify a row.",
        "known": "Units held by each owner whose holding is known.",
        "known_datasets": "Names of the datasets in the registry.",
        "labels": "Names of the studies.",
        "line": "Map from each earlier school number (URN) to its academy's.",
        "links": "Table of links between schools (predecessors and successors).",
        "measures": "Outcome measures, each classified.",
        "published": "Figures as published, to check derived figures against.",
        "npv_at": "Function giving the net present value at a given effect.",
        "numeric": "Column names that must hold numbers.",
        "performance": "Table of performance against minimum levels.",
        "regions": "Lookup of each district to its region: columns area and region.",
        "rates": "Published rates.",
        "raw": "A published table read without a header, every cell as text.",
        "reoffenders": "Simulated counts of reoffenders, one row per simulation.",
        "result": "A fitted result.",
        "results": "Tidy tables of school results, one per council and year.",
        "schools": "Table of schools, one row per school.",
        "series": "A series of values.",
        "standard_errors": "The standard error of each estimate.",
        "table": "A table to work on.",
        "tariffs": "The tariff of each group, by group name.",
        "type_code": "School type codes.",
        "values": "Numbers to check.",
        "year_measures": "The outcome column to use in each year, keyed by year.",
    },
    "answer": {
        "compare_providers": "Whether the question is which provider does better.",
        "comparison_group": "Whether outcomes are recorded for units not treated at the same time.",
        "n_comparison_units": "Number of untreated units available, if known.",
        "n_pre_periods": "Number of periods of outcome data before treatment starts.",
        "n_treated_units": "Number of units that received the policy.",
        "randomised": "Whether the policy (or the allocation) was decided by lot.",
        "staggered": "Whether treated units started at different dates.",
        "threshold": "Whether a score with a known cut-off decided who was eligible.",
    },
    "display": {
        "ax": "Matplotlib axes to draw on.",
        "classes": "CSS classes of the table element.",
        "digits": "Decimal places shown.",
        "figsize": "Width and height of a new figure, in inches.",
        "formats": "Formats of some columns, overriding the decimal places.",
        "index": "Whether to show the data frame's index.",
        "na_rep": "What a missing value is shown as.",
        "source": "The data's publisher and licence, shown under a figure.",
        "symbol": "Currency symbol put before an amount.",
        "title": "What a figure shows, in words.",
        "xlabel": "Label of the horizontal axis, with its units.",
        "ylabel": "Label of the vertical axis, with its units.",
    },
}

#: Every keyword argument name of the public functions, with its one meaning.
KEYWORDS: dict[str, str] = {
    keyword: meaning for rows in _TABLE.values() for keyword, meaning in sorted(rows.items())
}

#: The kind of each keyword (a key of :data:`KINDS`).
KIND: dict[str, str] = {keyword: kind for kind, rows in _TABLE.items() for keyword in rows}

#: Layers whose public functions take the keywords (simulations and the command line do not).
_LEFT_OUT = ("evaluation.simulate", "evaluation.cli", "evaluation.__main__")


def _modules() -> list[str]:
    """The library's public modules, bar the simulations and the command line.

    The package itself is left out: its ``load`` and ``catalog`` are
    :mod:`evaluation.data.registry`'s.
    """
    root = Path(__file__).resolve().parent
    return sorted(
        m.name
        for m in pkgutil.walk_packages([str(root)], "evaluation.")
        if not any(part.startswith("_") for part in m.name.split("."))
        and not any(m.name == o or m.name.startswith(o + ".") for o in _LEFT_OUT)
    )


def usage() -> dict[str, list[str]]:
    """Each keyword argument name of the public functions, with the functions using it.

    A public function is one named in a public module's ``__all__`` (or, in a
    module without one, a function the module defines); it is named where it is
    first found in that walk, so a function re-exported by its package is named
    by the package (``did.two_by_two``). Classes are left out, and so are the
    ``*args`` and ``**kwargs`` of a signature. Modules are imported by name when
    this runs, so this module imports nothing of the library's when it loads.

    Returns
    -------
    dict of str to list of str
        Keyword -> the functions using it (without the ``evaluation.`` prefix),
        both sorted.

    Examples
    --------
    >>> from evaluation.keywords import usage
    >>> "did.two_by_two" in usage()["treated"]
    True
    """
    used: dict[str, set[str]] = {}
    seen: set[int] = set()
    for name in _modules():
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            public = list(module.__all__)
        else:
            public = [
                n
                for n, obj in vars(module).items()
                if not n.startswith("_") and getattr(obj, "__module__", None) == name
            ]
        for attribute in public:
            function = getattr(module, attribute, None)
            if not inspect.isfunction(function) or id(function) in seen:
                continue
            seen.add(id(function))
            where = f"{name}.{attribute}".removeprefix("evaluation.")
            for parameter in inspect.signature(function).parameters.values():
                if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                    continue
                if parameter.name != "self":
                    used.setdefault(parameter.name, set()).add(where)
    return {keyword: sorted(used[keyword]) for keyword in sorted(used)}


def glossary() -> pd.DataFrame:
    """The keywords as a table: one row per keyword, by kind, with the functions using it.

    Returns
    -------
    pandas.DataFrame
        Columns ``keyword``, ``kind`` (a key of :data:`KINDS`, in that order),
        ``meaning`` and ``used_by`` (the public functions taking the keyword,
        comma-separated; empty for a keyword no function uses).

    Examples
    --------
    >>> from evaluation.keywords import glossary
    >>> table = glossary()
    >>> table.set_index("keyword").loc["treatment_time", "meaning"]
    'First period under treatment, in the units of the time column.'
    >>> table["kind"].drop_duplicates().tolist()
    ['column', 'option', 'value', 'data', 'answer', 'display']
    """
    used = usage()
    rows = [
        {
            "keyword": keyword,
            "kind": KIND[keyword],
            "meaning": meaning,
            "used_by": ", ".join(used.get(keyword, [])),
        }
        for keyword, meaning in KEYWORDS.items()
    ]
    return pd.DataFrame(rows, columns=["keyword", "kind", "meaning", "used_by"])
