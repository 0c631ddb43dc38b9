"""scikit-learn's common checks over every public sksnn estimator, found automatically."""

import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

import sksnn


def all_estimators():
    """Every public estimator class exported by sksnn."""
    return [
        obj
        for name in sksnn.__all__
        if inspect.isclass(obj := getattr(sksnn, name)) and issubclass(obj, BaseEstimator)
    ]


# Cheap settings so the checks run fast; they stay within what a user could choose.
INIT_PARAMS = {
    "SNUClassifier": dict(hidden_layer_sizes=(16,), n_steps=5, max_iter=100, random_state=0),
    "SNUSequencePredictor": dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
}


def instances():
    for cls in all_estimators():
        yield cls(**INIT_PARAMS.get(cls.__name__, {}))


def test_discovery_finds_the_estimators():
    names = {cls.__name__ for cls in all_estimators()}
    assert {"SNUClassifier", "SNUSequencePredictor"} <= names
    assert set(INIT_PARAMS) >= names, "every estimator needs cheap INIT_PARAMS here"


@parametrize_with_checks(list(instances()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# Sequence predictors take 3-D or ragged input only (tag two_d_array=False), so scikit-learn
# runs none of its data checks on them. These API checks need no 2-D data and do apply.
API_CHECKS = [
    ec.check_no_attributes_set_in_init,
    ec.check_parameters_default_constructible,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_estimator_repr,
    ec.check_estimator_cloneable,
    ec.check_valid_tag_types,
    ec.check_estimator_tags_renamed,
    ec.check_do_not_raise_errors_in_init_or_set_params,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "estimator",
    [e for e in instances() if not e.__sklearn_tags__().input_tags.two_d_array],
    ids=lambda e: type(e).__name__,
)
def test_api_checks_for_sequence_estimators(estimator, check):
    check(type(estimator).__name__, estimator)
