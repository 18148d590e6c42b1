"""An unattended report must not stop when Gamma-Gamma cannot value spend (q <= 1)."""

import pandas as pd

from kamlab.models import GammaGamma
from kamlab.value.clv import usable_spend


def test_q_at_most_1_falls_back_to_observed_mean_spend_and_says_so():
    summary = pd.DataFrame(
        {"frequency": [2, 0, 5], "monetary_value": [100.0, 0.0, 300.0]},
        index=pd.Index(["A", "B", "C"], name="account_id"),
    )
    gg = GammaGamma()
    gg.params_ = pd.Series({"p": 2.0, "q": 0.8, "gamma": 50.0})
    notes: list[str] = []
    spend = usable_spend(gg, summary, notes)
    assert spend.tolist() == [100.0, 200.0, 300.0]  # B, no repeat purchase: the mean
    assert "q = 0.8 <= 1" in notes[0] and "observed mean spend" in notes[0]


def test_a_usable_gamma_gamma_is_kept():
    gg = GammaGamma()
    gg.params_ = pd.Series({"p": 2.0, "q": 3.0, "gamma": 50.0})
    assert usable_spend(gg, pd.DataFrame(), []) is gg
