"""Losses, optimizers, Numba helpers, thread control and the engine's import boundary."""

import ast
import pathlib
import warnings

import numba
import numpy as np
import pytest

from sksnn._engine import SGD, Adam, add_l2, clip_grad_norm, numba_threads
from sksnn._engine._numba import jit
from sksnn._engine.losses import LOSSES, sigmoid, softmax

ENGINE = pathlib.Path(__file__).parents[1] / "sksnn" / "_engine"


def test_engine_never_imports_scikit_learn():
    for path in ENGINE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level in (0, 1), f"{path.name} imports from outside the engine"
                names = [] if node.level else [node.module]
            for name in names:
                root = name.split(".")[0]
                # llvmlite is Numba's code generator (the bit-mask intrinsics use its IR)
                assert root in {"", "numpy", "numba", "llvmlite", "scipy", "math", "warnings",
                                "contextlib", "typing", "os", "threading", "concurrent"}, \
                    f"{path.name} imports {name}"  # fmt: skip


@pytest.mark.parametrize("loss", ["binary", "categorical", "squared_error"])
def test_sequence_losses_gradient_and_value(loss):
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((4, 3, 5))
    if loss == "binary":
        Y = (rng.random(Z.shape) < 0.5).astype(float)
        p = sigmoid(Z)
        direct = -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).sum() / 12
    elif loss == "categorical":
        Y = np.eye(5)[rng.integers(0, 5, (4, 3))]
        direct = -(Y * np.log(softmax(Z))).sum() / 12
    else:
        Y = rng.standard_normal(Z.shape)
        direct = 0.5 * ((Z - Y) ** 2).sum() / 12
    fn = LOSSES[loss][0]
    value, dZ = fn(Z, Y, np.ones((4, 3)))
    assert value == pytest.approx(direct, rel=1e-12)
    eps = 1e-6
    num = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += eps
        Zm[idx] -= eps
        num[idx] = (fn(Zp, Y, None)[0] - fn(Zm, Y, None)[0]) / (2 * eps)
    np.testing.assert_allclose(dZ, num, rtol=1e-6, atol=1e-9)


def test_binary_loss_is_stable_for_large_logits():
    Z = np.array([[[1e4, -1e4]]])
    Y = np.array([[[0.0, 1.0]]])
    value, dZ = LOSSES["binary"][0](Z, Y, None)
    assert value == pytest.approx(2e4)
    np.testing.assert_allclose(dZ, [[[1.0, -1.0]]])


def test_adam_first_steps_match_the_formula():
    p = [np.array([1.0, -2.0])]
    g = [np.array([0.5, 0.1])]
    opt = Adam(p, learning_rate_init=0.1)
    opt.update_params(p, g)
    # step 1: m_hat = g, v_hat = g^2 -> update = lr * g / (|g| + eps) = lr * sign(g)
    np.testing.assert_allclose(p[0], [0.9, -2.1], rtol=1e-6)


def test_sgd_nesterov_momentum():
    p = [np.array([1.0])]
    opt = SGD(p, learning_rate_init=0.1, momentum=0.5, nesterov=True)
    opt.update_params(p, [np.array([1.0])])  # v = -0.1; p += 0.5*(-0.1) - 0.1
    np.testing.assert_allclose(p[0], [0.85])
    opt.update_params(p, [np.array([1.0])])  # v = -0.15; p += -0.075 - 0.1
    np.testing.assert_allclose(p[0], [0.675])
    plain = [np.array([1.0])]
    opt = SGD(plain, learning_rate_init=0.1, momentum=0.5, nesterov=False)
    opt.update_params(plain, [np.array([1.0])])
    opt.update_params(plain, [np.array([1.0])])
    np.testing.assert_allclose(plain[0], [0.75])


def test_l2_and_clipping():
    params = [np.array([3.0, 4.0]), np.array([1.0])]
    grads = [np.zeros(2), np.zeros(1)]
    pen = add_l2(params, grads, [True, False], alpha=0.5)
    assert pen == pytest.approx(0.25 * 25)
    np.testing.assert_allclose(grads[0], [1.5, 2.0])
    np.testing.assert_allclose(grads[1], [0.0])
    norm = clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(2.5)
    assert np.sqrt(sum((g**2).sum() for g in grads)) == pytest.approx(1.0)
    assert np.isnan(clip_grad_norm([np.array([np.nan])], 1.0))


def test_jit_falls_back_when_it_cannot_cache():
    namespace = {}
    exec("def f(x):\n    return x + 1\n", namespace)  # no source file: no cache locator
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        f = jit(namespace["f"])
    assert f(1) == 2
    assert any("NUMBA_CACHE_DIR" in str(w.message) for w in rec)


def test_numba_threads_restores_the_count_even_on_error():
    before = numba.get_num_threads()
    with pytest.raises(KeyError), numba_threads(1) as n:
        assert n == numba.get_num_threads() == 1
        raise KeyError
    assert numba.get_num_threads() == before
    with numba_threads(None) as n:
        assert n == before


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_adam_rounds_like_the_numpy_expressions(dtype):
    from sksnn._engine.optimizers import Adam

    rng = np.random.default_rng(0)
    p = [rng.normal(size=(7, 5)).astype(dtype), rng.normal(size=5).astype(dtype)]
    want = [a.copy() for a in p]
    m = [np.zeros_like(a) for a in p]
    v = [np.zeros_like(a) for a in p]
    opt = Adam(p, learning_rate_init=0.01)
    for t in range(1, 30):
        g = [(rng.normal(size=a.shape) * 10.0 ** -rng.integers(0, 6)).astype(dtype) for a in p]
        g[0][0] = 0.0  # a zero gradient with zero history must stay finite
        opt.update_params(p, g)
        lr = float(0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t))
        for a, gi, mi, vi in zip(want, g, m, v):
            mi *= 0.9
            mi += (1 - 0.9) * gi
            vi *= 0.999
            vi += (1 - 0.999) * (gi * gi)
            a -= lr * mi / (np.sqrt(vi) + 1e-8)
    for a, b in zip(p, want):
        np.testing.assert_array_equal(a, b)


def test_run_slices_waits_for_every_slice_and_raises_the_first_error():
    import threading
    import time

    from sksnn._engine import parallel

    done = []

    def kernel(c, b0, b1):
        if c == 0:
            raise ValueError("slice 0")
        if c == 1:
            raise RuntimeError("slice 1")
        time.sleep(0.2)
        done.append(c)

    with parallel.batch_chunks(4, 10**9) as k:
        assert k in (1, 2, 3, 4)
    with pytest.raises(ValueError, match="slice 0"):
        parallel.run_slices(kernel, 4, 4)
    assert sorted(done) == [2, 3]  # the slow slices finished before the call returned
    assert not parallel._LOCK.locked()
    assert threading.active_count() >= 1


def test_kernels_still_run_at_interpreter_shutdown(tmp_path):
    """A prediction in an atexit handler, after the thread pools are shut down."""
    import subprocess
    import sys

    script = tmp_path / "atexit_predict.py"
    script.write_text(
        "import atexit\n"
        "import numpy as np\n"
        "from sksnn._engine import numba_threads, parallel\n"
        "from sksnn._engine import SNUCell, snu_init\n"
        "parallel.MIN_PARALLEL_WORK = 0\n"
        "rng = np.random.default_rng(0)\n"
        "p = snu_init(rng, 5, 7)\n"
        "X = rng.random((4, 6, 5)).astype(np.float32)\n"
        "cell = SNUCell()\n"
        "with numba_threads(2):\n"
        "    cell.forward(p, X)\n"
        "def late():\n"
        "    with numba_threads(2):\n"
        "        Y, _ = cell.forward(p, X)\n"
        "    print('late ok', Y.shape)\n"
        "atexit.register(late)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "late ok (4, 6, 7)" in out.stdout


def test_float32_tanh_reaches_one_and_is_monotonic_at_the_clamp():
    from sksnn._engine._numba import jit
    from sksnn._engine.fastmath import sigmoid, tanh

    @jit(cache=False)
    def apply(x, t, s):
        for i in range(x.shape[0]):
            t[i] = tanh(x[i])
            s[i] = sigmoid(x[i])

    x = np.concatenate([np.linspace(8.5, 9.5, 2001), [np.inf, 30.0]]).astype(np.float32)
    x = np.sort(np.concatenate([-x, x]))
    t, s = np.empty_like(x), np.empty_like(x)
    apply(x, t, s)
    assert np.all(np.diff(t) >= -2.4e-7)  # monotonic up to 2 ulp of rounding near 1
    assert np.all(t[np.abs(x) >= 9] == np.sign(x[np.abs(x) >= 9]))
    assert s[0] == 0.0 and s[-1] == 1.0
    np.testing.assert_allclose(t, np.tanh(x.astype(np.float64)), atol=4e-7)


def test_sigmoid_link_keeps_small_probabilities_exact():
    from sksnn._engine.losses import sigmoid

    z = np.linspace(-30, 30, 601).astype(np.float32)
    want = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    got = sigmoid(z)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=2e-7)
