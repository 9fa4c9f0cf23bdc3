"""PyTorch's infinity and NaN rules for softmax and log_softmax, on both devices."""

import math

import numpy as np
import pytest

import numbatorch as torch

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("log", [False, True])
def test_softmax_rows_of_minus_inf_nan_or_inf_give_nan_like_pytorch(log, device):
    fn = torch.log_softmax if log else torch.softmax
    rows = [[-INF, -INF, -INF], [1.0, INF, 2.0], [1.0, NAN, 2.0], [0.0, -INF, 1.0]]
    got = fn(torch.tensor(rows, device=device), dim=1).cpu().numpy()
    assert np.isnan(got[:3]).all()
    expected = np.array([0.0, -INF, 1.0]) - np.log(1 + math.e)
    np.testing.assert_allclose(got[3], expected if log else np.exp(expected), rtol=1e-6)
