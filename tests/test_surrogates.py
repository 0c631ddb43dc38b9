"""Each surrogate against its closed form (SPEC section 1)."""

import numpy as np
import pytest
from reference import SURROGATE_NAMES, ref_surrogate

from sksnn._engine import SURROGATES, default_slope, surrogate_derivative


def test_registry_matches_the_spec_table():
    assert set(SURROGATES) == set(SURROGATE_NAMES)


@pytest.mark.parametrize("name", sorted(SURROGATES))
@pytest.mark.parametrize("k", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_closed_form(name, k, dtype):
    u = np.linspace(-3, 3, 601).astype(dtype)
    got = surrogate_derivative(name, u, k)
    want = ref_surrogate(name, u.astype(np.float64), k)
    assert got.dtype == dtype
    if dtype == np.float32:
        # float32 kernels use fastmath's rational tanh (error <= 4e-7); 1 - tanh^2 doubles it
        # and the slope k scales it: within 1e-6 of the peak value k
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * max(k, 1.0))
    else:
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_default_slopes_peak_at_one(name):
    assert surrogate_derivative(name, [0.0])[0] == pytest.approx(1.0)
    assert default_slope(name) > 0


def test_sigmoid_is_stable_far_from_threshold():
    d = surrogate_derivative("sigmoid", np.array([-1e4, 1e4]), 4.0)
    assert np.all(np.isfinite(d)) and np.all(d >= 0)


def test_unknown_surrogate():
    with pytest.raises(ValueError, match="valid names"):
        surrogate_derivative("gaussian", [0.0])
