"""The tiers, best first: the one list. dbt reads it as the `tiers` var (the macro `tier_names()` in
dbt/macros/tier_rank.sql), the GX suite of the tiers as a parameter; tests/test_portability.py fails
on a second spelling of it."""

TIERS = ("tier_1", "tier_2", "tier_3", "disqualified")
# The tiers worked by a play of their own, best first: what "the top tiers" of a backtest are.
WORKED_TIERS = TIERS[:2]
