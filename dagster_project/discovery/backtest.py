"""Suggestions that win their own backtest. Each candidate blends the current fit points with the
evidence's (discovery/suggest.py) and is replayed over the stored history by the what-if, as
`abm whatif --config` would: first with the tiers' thresholds as they are, then with the thresholds
matched to its points (whatif_score_thresholds: each tier keeps as many accounts). Deals created
after the window's start are the evidence the replay is judged on. The candidate holding the most
wins in tiers 1+2, with at least the current rules' share and tier 1 lift, is the suggestion; when
none does, nothing is suggested and the report says so."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.discovery.evidence import BACKTEST_HEADING
from dagster_project.discovery.suggest import EvidenceIndex, blended_fit, fit_text, tiers_text, with_sections
from dagster_project.settings import Paths
from dagster_project.tiers import TIERS
from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config
from dagster_project.whatif import RulesOutcome, WhatIf, WhatIfError, migration_matrix, read_outcomes, run_whatif, tier_counts

# How far each value moves from its current points towards the evidence's, tried in this order.
WEIGHTS = (1.0, 0.5)


@dataclass(frozen=True)
class Backtest:
    name: str
    rules_text: str
    current: RulesOutcome | None = None
    candidate: RulesOutcome | None = None
    tiers: dict[str, tuple[int, int]] = field(default_factory=dict)  # per tier: current -> candidate, last date
    changed: int = 0  # accounts whose tier differs on the last date
    report: Path | None = None
    failure: str | None = None

    @property
    def holds(self) -> bool:
        return self.candidate is not None and self.current is not None and self.candidate.holds_against(self.current)


@dataclass(frozen=True)
class Search:
    backtests: list[Backtest]
    window: str
    chosen: Backtest | None
    verdict: str

    def markdown(self) -> str:
        lines = [BACKTEST_HEADING, ""]
        if self.backtests:
            lines += [f"Each candidate replayed over the stored history {self.window}.", ""]
            lines += ["| candidate | accounts per tier, current → candidate | accounts moved | current rules | candidate | holds |"]
            lines += ["| --- | --- | --- | --- | --- | --- |"]
            lines += [_row(backtest) for backtest in self.backtests]
            lines.append("")
        return "\n".join([*lines, self.verdict]) + "\n"


def search_suggestions(locations: Paths, rules_file: Path, evidence: EvidenceIndex, header: list[str]) -> Search:
    """Backtest the candidates in turn; the best that holds against the current rules is chosen."""
    rules_text = rules_file.read_text()
    rules = load_scoring_config(rules_file)
    folder = locations.data_dir / "whatif" / f"icp-{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    backtests: list[Backtest] = []
    window = "(none stored)"
    for weight in WEIGHTS:
        fit = blended_fit(rules["fit"], evidence, weight)
        if fit == rules["fit"]:
            continue
        share = "the evidence's points" if weight == 1 else f"{weight:.0%} of the way from the current points to the evidence's"
        text = with_sections(rules_text, {"fit": fit_text(fit, evidence, [*header, f"Candidate: {share}."])})
        backtest, whatif = _backtest(locations, folder, share, text)
        backtests.append(backtest)
        if whatif is None:
            break
        window = f"{whatif.start}..{whatif.end}"
        if not backtest.current or not backtest.current.closed_deals:
            break  # nothing to judge any candidate by
        tiers = matched_tiers(whatif, rules["tiers"])
        if tiers != rules["tiers"]:
            note = [f"Thresholds matched to the suggested points: as many accounts reach each on {whatif.end} as reach it now."]
            matched = with_sections(text, {"tiers": tiers_text(tiers, rules["tiers"], note)})
            backtests.append(_backtest(locations, folder, f"{share}, thresholds matched", matched)[0])
    return _choose(backtests, window)


def _backtest(locations: Paths, folder: Path, name: str, text: str) -> tuple[Backtest, WhatIf | None]:
    candidate_file = folder / f"candidate-{len(list(folder.glob('candidate-*.yml'))) + 1}.yml"
    candidate_file.write_text(text)
    try:
        whatif = run_whatif(locations, candidate_file)
    except (WhatIfError, ScoringConfigError) as error:
        return Backtest(name, text, failure=str(error)), None
    outcomes = read_outcomes(whatif)[1]
    matrix = migration_matrix(whatif)
    changed = sum(accounts for current, candidate, accounts in matrix if current != candidate)
    return Backtest(name, text, outcomes["current"], outcomes["candidate"], tier_counts(matrix), changed, whatif.folder), whatif


def matched_tiers(whatif: WhatIf, tiers: dict) -> dict:
    """The tiers section with each score threshold replaced by the one whatif_score_thresholds matched."""
    matched = {key: dict(value) if isinstance(value, dict) else value for key, value in tiers.items()}
    with duckdb.connect(str(whatif.warehouse), read_only=True) as con:
        for rule, threshold in con.execute("select rule, matched_threshold from whatif_score_thresholds").fetchall():
            *parents, name = rule.removeprefix("tiers.").split(".")
            target = matched
            for parent in parents:
                target = target[parent]
            target[name] = int(threshold) if float(threshold).is_integer() else threshold
    return matched


def _choose(backtests: list[Backtest], window: str) -> Search:
    if not backtests:
        return Search(backtests, window, None, "The evidence changes no points of the current rules: nothing is suggested.")
    if backtests[0].failure:
        return Search(backtests, window, None, f"The backtest could not run ({backtests[0].failure}): nothing is suggested.")
    if not backtests[0].current.closed_deals:
        return Search(
            backtests,
            window,
            None,
            f"No deal created after {window.split('..')[0]} has closed yet, so no candidate can be judged: nothing is "
            "suggested. Backfill a few months of history (`abm backfill --start ...`) and run `abm icp` again.",
        )
    holding = [b for b in backtests if b.holds]
    if not holding:
        verdict = "No candidate holds the current rules' share of wins in tiers 1+2 and their tier 1 lift: nothing is suggested."
        return Search(backtests, window, None, verdict)
    # the most wins, then the strongest tier 1, then the fewest accounts moved
    chosen = max(holding, key=lambda b: (round(b.candidate.worked_share_of_wins, 9), round(b.candidate.tier_1_lift or 0, 9), -b.changed))
    return Search(backtests, window, chosen, f"Suggested: {chosen.name} ({chosen.candidate.describe()}).")


def _row(backtest: Backtest) -> str:
    if backtest.failure:
        return f"| {backtest.name} | | | | | could not run |"
    counts = ", ".join(f"{tier} {now:,} → {then:,}" for tier, (now, then) in backtest.tiers.items() if tier in TIERS)
    return (
        f"| {backtest.name} | {counts} | {backtest.changed:,} | {backtest.current.describe()} | {backtest.candidate.describe()} | "
        f"{'yes' if backtest.holds else 'no'} |"
    )
