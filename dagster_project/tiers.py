"""The tiers, best first: the one list the Python side reads. dbt's is the macro `tier_names()`
(dbt/macros/tier_rank.sql), held equal to this one by tests/test_portability.py."""

TIERS = ("tier_1", "tier_2", "tier_3", "disqualified")
# The tiers worked by a play of their own, best first: what "the top tiers" of a backtest are.
WORKED_TIERS = TIERS[:2]
