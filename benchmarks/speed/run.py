"""Speed of the sksnn engine against PyTorch (eager and compiled), snnTorch and torch.nn.LSTM.

Usage (from the repository root)::

    python benchmarks/speed/run.py [--configs A B C] [--repeat 50] [--threads 2]
                                   [--json out.json] [--no-torch] [--check]

Other options: ``--block 5`` (timed steps per turn), ``--fit-repeat 3`` (timed fit epochs),
``--warmup 3``, ``--gap 0.15`` (seconds of rest when switching frameworks), ``--compile-modes
default [max-autotune-no-cudagraphs ...]`` (the fastest is reported), ``--engine-threads auto
[1 2 ...]`` (further values add ``engine@N`` candidates, timed in the same rounds), ``--skip``
any of snu, compile, snntorch, lstm, predict, fit, memory. Compiling takes 10-60 s per
configuration; ``--skip compile`` for a quick look.

Configurations (float32, feed-forward SNU layers; details in ``common.py``): A batch 128,
20 steps, 784-256-256-10 with a rate readout and softmax cross-entropy (temporal MNIST);
B batch 16, 100 steps, 88-150-88 with a per-step sigmoid loss (JSB); C batch 64, 8 steps,
64-64-10 (digits). The PyTorch networks compute the same thing from the same initial weights
and the same input spikes (``--check`` proves it); see ``peers.py``, and ``engine.py`` for the
sksnn side.

How it runs. Each framework lives in its own worker process, so NumPy's BLAS, Numba and
PyTorch's OpenMP pool never share a process; the driver runs one worker at a time and rests
``--gap`` seconds when it switches worker (OpenBLAS threads busy-wait about 0.1 s after a
product). For each configuration the candidates run interleaved: round-robin turns of
``--block`` timed calls per candidate, each turn after one untimed call, each round starting
with the next candidate, until every candidate has ``--repeat`` timed calls; load drift then
hits all of them alike. A timed call is one training step on the same batch: forward, loss,
BPTT, Adam. ``torch.compile`` compiles on the first calls; that time is reported apart and
excluded. Threads: PyTorch ``torch.set_num_threads(--threads)``; the engine at most
``--threads`` BLAS and Numba threads, by default as many as ``fit`` would use on the
configuration's data (the estimators' rule: one for small products, here C; see
``engine.thread_counts``). The machine's CPU time outside this benchmark is measured during the
run and reported: above 0.1 CPU the machine was not quiet and the timings are unreliable
(multi-threaded code, the engine's and PyTorch's alike, slows down many times over when a
core is taken).

Output.

* Training step: median ms per step of ``engine`` (``Network.loss_grad`` + ``Adam`` +
  ``project``), ``eager`` (plain PyTorch; a custom ``autograd.Function`` for the spike),
  ``compiled`` (the same under ``torch.compile``: forward and loss compiled, backward by
  AOTAutograd, ``Adam.step`` compiled) and ``snnTorch`` (``nn.Linear`` + ``snn.Leaky`` stepped
  in Python as in its tutorials, the engine's weights); ``x eager`` etc.: speed-up of the
  engine, peer ms / engine ms (above 1: the engine is faster); ``GFLOP/s``: the step's
  matrix-product FLOPs (forward, dW, and dX except for the input layer) per second of the
  engine's step; ``floor ms``: those FLOPs at the GEMM rate (the best float32 1024^3 product of
  NumPy's BLAS and of PyTorch on ``--threads`` threads, over several measurements);
  ``/floor``: engine ms / floor ms.
* LSTM step: ``CELLS['lstm']`` on the engine against ``torch.nn.LSTM`` + ``nn.Linear``, median
  ms; ``x torch`` = torch ms / engine ms.
* Prediction: samples per second of a forward pass (no gradient, output link applied) on a
  batch of A 1024, B 256 sequences, C 1024 samples.
* Fit: one epoch (``max_iter=1``) of ``SNUClassifier`` / ``SNUSequencePredictor`` with the
  configuration's layers and batch size (2560 random rate-coded samples for A, 160 random
  piano rolls of 101 steps for B, scikit-learn's digits for C), timed from ``history_`` (the
  batches only) in ``sksnn``, the whole ``fit`` call (validation, initialisation, input-gain
  calibration, the epoch) in ``sksnn fit``; ``PyTorch``: a plain eager loop doing the same
  epoch (same encoding, L2 term, gradient clipping, Adam) and ``x PyTorch`` = its time /
  ``sksnn``; ``pred/s sk``, ``pred/s pt``: samples per second of ``predict`` on the training
  set, and of the PyTorch model on it in chunks of 1024.
* Peak memory of a fit: each framework fits in a fresh process (``--memory-child``) with
  glibc's mmap threshold fixed at 128 kB (``MALLOC_MMAP_THRESHOLD_``: large arrays go back to
  the system when freed, so the resident size follows the live arrays). After imports, data
  and a warm-up fit on two batches (library buffers, thread pools, kernels), ``malloc_trim``,
  then the resident set is read and its high-water mark reset (``/proc/self/clear_refs``);
  the value is the high-water mark during a full fit (sksnn: the ``fit`` call; PyTorch: model
  creation and the epoch) minus that baseline. Without ``clear_refs`` it is ``ru_maxrss``
  minus the baseline (an upper bound).
* Notes: compile times and the check that the compiled loss equals the eager one; the thread
  counts of the engine; the noisiest candidate's interquartile range. Targets: the issue's
  ratios, each marked ok or MISS.

``--check`` compares, without timing, one forward and backward of the PyTorch networks with
the engine's on identical weights and data (loss, gradients, spikes of every layer), SNU and
LSTM. ``--json`` writes every measurement (all step times), thread counts, compile times, the
machine, the background load, the library versions and the sksnn commit.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402

STEP_PEERS = ("torch_eager", "torch_compile", "snntorch")
TARGETS = {  # (candidate, metric) -> minimum speed-up per config, or maximum /floor
    "torch_compile": {"A": 1.3, "B": 3.0, "C": 3.0},
    "torch_eager": {"A": 2.0, "B": 2.0, "C": 2.0},
    "snntorch": {"A": 4.0, "B": 4.0, "C": 4.0},
    "floor": {"A": 1.3, "B": 3.0},
    "torch_lstm": {"B": 1.0, "C": 1.0},
}
SKIPPABLE = ("snu", "compile", "snntorch", "lstm", "predict", "fit", "memory")


# ====================================================================== workers
def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


class Worker:
    """A worker subprocess answering JSON commands, one line each way."""

    def __init__(self, kind, threads):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
        cmd += ["--threads", str(threads)]
        self.kind = kind
        # inductor compiles in the worker itself: no pool of compile processes left behind
        env = dict(os.environ, TORCHINDUCTOR_COMPILE_THREADS="1")
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def __call__(self, op, **kw):
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.kind} worker died (see its traceback above)")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.kind} worker, {op}:\n{reply['error']}")
        return reply

    def close(self):
        if self.proc.poll() is None:
            try:
                self("quit")
            except (RuntimeError, BrokenPipeError, OSError):
                pass
            self.proc.wait(timeout=30)


def _versions(kind):
    import numpy as np

    out = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info

        out["threadpools"] = [
            {k: d.get(k) for k in ("internal_api", "num_threads", "version", "filepath")}
            for d in threadpool_info()
        ]
    except ImportError:
        pass
    if kind == "engine":
        import numba

        import sksnn

        out.update(numba=numba.__version__, sksnn=sksnn.__version__)
    else:
        import torch

        out.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
        try:
            import snntorch

            out["snntorch"] = snntorch.__version__
        except ImportError:
            out["snntorch"] = None
    return out


def _setup_engine(name, wanted, args, msg):
    import engine

    cfg = common.CONFIGS[name]
    made = {}
    for i, policy in enumerate(msg["engine_threads"]):
        tag = "" if i == 0 else f"@{policy}"  # further thread policies, for comparison
        if "engine" in wanted:
            made["engine" + tag] = engine.snu_candidate(name, args.threads, policy)
        if "engine_lstm" in wanted and cfg["lstm"]:
            made["engine_lstm" + tag] = engine.lstm_candidate(name, args.threads, policy)
    if "engine_fit" in wanted:
        made["engine_fit"] = engine.fit_candidate(name, args.threads)
    return made


def _setup_torch(name, wanted, args, msg):
    import engine
    import peers

    cfg = common.CONFIGS[name]
    _, params = engine.build_snu(cfg)  # the engine's initial weights: the same network
    made = {}
    compile_modes = msg["compile_modes"]
    if "torch_eager" in wanted:
        made["torch_eager"] = peers.snu_candidate(name, params=params)
    for mode in compile_modes:
        key = "torch_compile" if len(compile_modes) == 1 else f"torch_compile:{mode}"
        if "torch_compile" in wanted:
            made[key] = peers.snu_candidate(name, compile_mode=mode, params=params)
    if "snntorch" in wanted:
        made["snntorch"] = peers.snntorch_candidate(name, params=params)
    if "torch_lstm" in wanted and cfg["lstm"]:
        made["torch_lstm"] = peers.lstm_candidate(name, params=engine.build_lstm(cfg)[1])
    if "torch_fit" in wanted:
        made["torch_fit"] = peers.fit_candidate(name)
    return made


def worker_main(args):
    """Serve the driver: commands on stdin, one JSON reply per line on the original stdout;
    everything the libraries print goes to stderr."""
    import warnings

    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    warnings.filterwarnings("ignore")
    if args.worker == "engine":
        import numba
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(args.threads)  # noqa: F841 - held for the process lifetime
        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
        setup, gemm = _setup_engine, common.gemm_rate_numpy
    else:
        import logging

        import torch

        torch.set_num_threads(args.threads)
        torch._logging.set_logs(dynamo=logging.ERROR, inductor=logging.ERROR)
        import peers

        setup, gemm = _setup_torch, peers.gemm_rate
    candidates = {}
    for line in sys.stdin:
        msg = json.loads(line)
        op = msg["op"]
        try:
            if op == "quit":
                proto.write("{}\n")
                break
            if op == "versions":
                reply = _versions(args.worker)
            elif op == "gemm":
                reply = {"rate": gemm()}
            elif op == "setup":
                candidates.clear()
                candidates = setup(msg["config"], msg["wanted"], args, msg)
                for key, c in candidates.items():  # warm-up (fits warm up when built)
                    if not key.endswith("_fit"):
                        with c.threads():
                            for _ in range(msg["warmup"]):
                                c.step()
                        with (c.predict_threads or c.threads)():
                            c.predict()
                reply = {"made": {k: c.info for k, c in candidates.items()}}
            elif op == "run":
                c = candidates[msg["name"]]
                f, threads = c.step, c.threads
                if msg["what"] == "predict":
                    f, threads = c.predict, c.predict_threads or c.threads
                with threads():
                    if msg["returns_time"]:  # a fit: the closure times itself
                        times = [f() for _ in range(msg["n"])]
                    else:
                        times = common.block(f, msg["n"])
                reply = {"times": times}
            elif op == "info":
                reply = {"info": candidates[msg["name"]].info}
            else:
                raise ValueError(f"unknown op {op!r}")
        except Exception:
            reply = {"error": traceback.format_exc()}
        proto.write(json.dumps(reply) + "\n")


# ====================================================================== memory
def memory_child(framework, name, threads):
    """Peak resident memory of one fit (see the module docstring); prints one JSON line."""
    import ctypes
    import gc
    import resource

    data = common.fit_data(name)
    X, y, kind = data
    B = common.CONFIGS[name]["batch"]
    small = (X[: 2 * B], None if y is None else y[: 2 * B], kind)
    if framework == "engine":
        import numba
        from threadpoolctl import threadpool_limits

        import engine

        threadpool_limits(threads)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))

        def run(d):
            engine.fit(engine.make_estimator(name, d[2]), d[0], d[1])
    else:
        import torch

        import peers

        torch.set_num_threads(threads)

        def run(d):
            peers.fit_candidate(name, data=d).step()

    run(small)  # warm-up
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    base = common.rss_kb()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        method = "VmHWM after clear_refs"
    except OSError:
        method = "ru_maxrss"
    start = time.perf_counter()
    run(data)
    seconds = time.perf_counter() - start
    if method == "ru_maxrss":
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    else:
        peak = common.rss_kb("VmHWM")
    print(json.dumps({"base_mb": base / 1024, "peak_mb": peak / 1024,
                      "fit_mb": (peak - base) / 1024, "method": method,
                      "fit_s": seconds}))  # fmt: skip


def measure_memory(framework, name, threads):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072", MALLOC_TRIM_THRESHOLD_="131072")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", framework, name]
    out = subprocess.run(
        [*cmd, "--threads", str(threads)], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# ====================================================================== check
def check(configs):
    """Same weights, same batch: PyTorch's loss, gradients and spikes against the engine's."""
    import numpy as np
    import torch

    import engine
    import peers

    torch.set_num_threads(2)
    ok = True
    print(f"{'network':10s}{'engine loss':>14s}{'torch loss':>14s}{'rel diff':>10s}"
          f"{'grad err':>10s}{'spikes differ':>15s}  result")  # fmt: skip
    for name in configs:
        cfg = common.CONFIGS[name]
        X, Y = common.step_batch(cfg)
        Xt, Yt = peers.tensors(cfg)
        nets = [("SNU", engine.build_snu(cfg), peers.SNUNet(cfg), cfg["loss"])]
        if cfg["lstm"]:
            nets.append(("LSTM", engine.build_lstm(cfg), peers.LSTMNet(cfg), cfg["lstm"]["loss"]))
        for label, (net, params), model, loss_kind in nets:
            peers.load_engine_params(model, params)
            loss, grads, _ = net.loss_grad(params, X, Y)
            Z = model(Xt)
            tloss = peers.loss_fn(loss_kind, cfg["steps"], cfg["batch"])(Z, Yt)
            tloss.backward()
            # gradients in the engine's layout, relative to their largest entry
            tgrads = _torch_grads(net, params, model)
            err = max(
                float(np.abs(g - t).max() / max(np.abs(g).max(), 1e-30))
                for g, t in zip(net.flat(params, grads), tgrads)
            )
            flips = 0
            if label == "SNU":
                H = Xt
                for layer, Ye in zip(model.layers, net.layer_outputs(params, X)):
                    H = layer(H)
                    flips += int((H.detach().numpy() != Ye).sum())
            tloss = tloss.item()
            rel = abs(loss - tloss) / abs(loss)
            good = rel < 1e-5 and err < 1e-4 and flips == 0
            ok &= good
            print(f"{name + ' ' + label:10s}{loss:14.7g}{tloss:14.7g}{rel:10.1e}"
                  f"{err:10.1e}{flips:15d}  {'ok' if good else 'FAIL'}")  # fmt: skip
    return ok


def _torch_grads(net, params, model):
    """The PyTorch model's gradients as NumPy arrays in the engine's ``Network.flat`` order."""
    import peers

    out = []
    for i, key in net.keys(params):
        if i == -1:
            g = model.readout.weight.grad.T if key == "W" else model.readout.bias.grad
        elif isinstance(model, peers.LSTMNet):
            lstm = model.lstm
            g = {"W": lstm.weight_ih_l0.grad.T, "H": lstm.weight_hh_l0.grad.T,
                 "b": lstm.bias_ih_l0.grad}[key]  # fmt: skip
        else:
            g = getattr(model.layers[i], key).grad
        out.append(g.numpy())
    return out


# ====================================================================== driver
def interleave(owners, names, what, repeat, block, gap, returns_time=False):
    """Round-robin blocks of timed calls; returns {name: [seconds, ...]}.

    Before a block that runs in another worker than the previous one, the driver sleeps
    ``gap`` seconds: the previous worker's thread pools stop spinning (OpenBLAS threads
    busy-wait about 0.1 s after a product) and do not eat into the next framework's time.
    """
    times = {n: [] for n in names}
    last = None
    for r in range(math.ceil(repeat / block)):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            todo = min(block, repeat - len(times[n]))
            if todo > 0:
                if owners[n] is not last:
                    time.sleep(gap)
                    last = owners[n]
                reply = owners[n]("run", name=n, what=what, n=todo, returns_time=returns_time)
                times[n] += reply["times"]
    return times


def run_config(name, owners, args, result):
    cfg = common.CONFIGS[name]
    wanted = {"engine": [], "torch": []}
    skip = set(args.skip)
    if "snu" not in skip:
        wanted["engine"].append("engine")
        wanted["torch"].append("torch_eager")
        if "compile" not in skip:
            wanted["torch"].append("torch_compile")
        if "snntorch" not in skip:
            wanted["torch"].append("snntorch")
    if "lstm" not in skip and cfg["lstm"]:
        wanted["engine"].append("engine_lstm")
        wanted["torch"].append("torch_lstm")
    if "fit" not in skip:
        wanted["engine"].append("engine_fit")
        wanted["torch"].append("torch_fit")
    made = {}
    for kind, worker in owners["_workers"].items():
        print(f"  [{name}] building the {kind} candidates ...", file=sys.stderr, flush=True)
        reply = worker(
            "setup", config=name, wanted=wanted[kind], compile_modes=args.compile_modes,
            engine_threads=args.engine_threads, warmup=args.warmup,
        )  # fmt: skip
        for cand, info in reply["made"].items():
            made[cand] = info
            owners[cand] = worker
    res = result.setdefault(name, {"info": made})
    steppers = [c for c in made if not c.endswith("_fit")]
    print(f"  [{name}] timing {len(steppers)} candidates ...", file=sys.stderr, flush=True)
    res["step"] = interleave(owners, steppers, "step", args.repeat, args.block, args.gap)
    if "predict" not in skip:
        n_pred = max(3, args.repeat // 5)
        res["predict"] = interleave(owners, steppers, "predict", n_pred, 1, args.gap)
    fitters = [c for c in made if c.endswith("_fit")]
    if fitters:
        print(f"  [{name}] timing fit epochs ...", file=sys.stderr, flush=True)
        res["fit"] = interleave(owners, fitters, "step", args.fit_repeat, 1, args.gap, True)
        if "predict" not in skip:
            res["fit_predict"] = interleave(
                owners, fitters, "predict", args.fit_repeat, 1, args.gap
            )
        for c in fitters:
            res["info"][c] = owners[c]("info", name=c)["info"]
    res["predict_batch"] = {c: _n_predict(name, c) for c in made}


def _n_predict(name, cand):
    cfg = common.CONFIGS[name]
    return cfg["fit_samples"] if cand.endswith("_fit") else cfg["predict_batch"]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--configs", nargs="+", default=list(common.CONFIGS),
                        choices=list(common.CONFIGS))  # fmt: skip
    parser.add_argument("--repeat", type=int, default=50, help="timed steps per candidate")
    parser.add_argument("--block", type=int, default=5, help="timed steps per turn")
    parser.add_argument("--fit-repeat", type=int, default=3, help="timed fit epochs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--engine-threads", nargs="+", default=["auto"],
                        help="'auto' (the estimators' rule) or a thread count; more than one "
                        "adds engine@POLICY candidates for comparison")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps after building")
    parser.add_argument("--gap", type=float, default=0.15,
                        help="seconds of rest when switching worker processes")  # fmt: skip
    parser.add_argument("--compile-modes", nargs="+", default=["default"],
                        help="e.g. default max-autotune-no-cudagraphs")  # fmt: skip
    parser.add_argument("--skip", nargs="*", default=[], choices=SKIPPABLE)
    parser.add_argument("--json", help="write all measurements to this file")
    parser.add_argument("--no-torch", action="store_true", help="time the engine only")
    parser.add_argument("--check", action="store_true",
                        help="compare PyTorch's loss and gradients with the engine's")  # fmt: skip
    parser.add_argument("--worker", choices=["engine", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", nargs=2, metavar=("FRAMEWORK", "CONFIG"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args(argv)

    if args.worker:
        return worker_main(args)
    if args.memory_child:
        return memory_child(*args.memory_child, args.threads)
    if args.check:
        if not torch_available():
            raise SystemExit("--check needs PyTorch (pip install torch==2.13.0)")
        return 0 if check(args.configs) else 1

    use_torch = not args.no_torch and torch_available()
    if not args.no_torch and not use_torch:
        print("PyTorch is not importable: timing the engine only (pip install torch==2.13.0)")
    workers = {"engine": Worker("engine", args.threads)}
    if use_torch:
        workers["torch"] = Worker("torch", args.threads)
    owners = {"_workers": workers}
    result = {"configs": {}}
    start = (time.perf_counter(), common.cpu_busy_seconds(), common.own_cpu_seconds())
    try:
        result["versions"] = {k: w("versions") for k, w in workers.items()}
        gemm = {k: [] for k in workers}
        for name in args.configs:
            for k, w in workers.items():
                gemm[k].append(w("gemm")["rate"])
            run_config(name, owners, args, result["configs"])
        for k, w in workers.items():
            gemm[k].append(w("gemm")["rate"])
    finally:
        for w in workers.values():
            w.close()
    result["gemm"] = {k: max(v) for k, v in gemm.items()}
    if "memory" not in args.skip:
        for name in args.configs:
            print(f"  [{name}] peak memory of a fit ...", file=sys.stderr, flush=True)
            mem = {"engine": measure_memory("engine", name, args.threads)}
            if use_torch:
                mem["torch"] = measure_memory("torch", name, args.threads)
            result["configs"][name]["memory"] = mem
    result["machine"] = common.machine_info()
    result["git"] = _git_state()
    wall, busy = time.perf_counter() - start[0], common.cpu_busy_seconds()
    if busy is not None and start[1] is not None:
        others = (busy - start[1]) - (common.own_cpu_seconds() - start[2])
        result["machine"]["background_load"] = max(others, 0.0) / wall
    result["machine"]["wall_s"] = wall
    result["args"] = vars(args)
    analyse(result)
    report(result, args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
        print(f"\nwrote {args.json}")
    return 0


def _git_state():
    """Commit of the checkout and whether the engine has uncommitted changes (or None)."""
    root = HERE.parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "sksnn"], cwd=root,
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": commit, "sksnn_modified": bool(dirty.strip())}


# ====================================================================== analysis and report
def _med(res, section, cand):
    times = res.get(section, {}).get(cand)
    return common.summary(times)["median"] if times else None


def _best_compiled(res, section="step"):
    keys = [c for c in res.get(section, {}) if c.startswith("torch_compile")]
    meds = [(_med(res, section, c), c) for c in keys]
    meds = [m for m in meds if m[0] is not None]
    return min(meds)[1] if meds else None


def analyse(result):
    """Add summaries, ratios, GFLOP/s, floors and the target verdicts to ``result``."""
    rate = max(result["gemm"].values())
    result["gemm_rate"] = rate
    targets = []
    for name, res in result["configs"].items():
        cfg = common.CONFIGS[name]
        res["summary"] = {
            section: {c: common.summary(t) for c, t in res[section].items()}
            for section in ("step", "predict", "fit", "fit_predict")
            if section in res
        }
        flops = common.snu_flops(cfg)
        res["flops"] = {"snu_step": flops, "snu_predict": common.snu_flops(
            cfg, rows=cfg["steps"] * cfg["predict_batch"], train=False)}  # fmt: skip
        if cfg["lstm"]:
            res["flops"]["lstm_step"] = common.lstm_flops(cfg)
        res["floor_s"] = flops / rate
        eng = _med(res, "step", "engine")
        ratios = {}
        if eng:
            res["engine_gflops"] = flops / eng / 1e9
            res["engine_over_floor"] = eng / res["floor_s"]
            compiled = _best_compiled(res)
            for peer in STEP_PEERS:
                key = compiled if peer == "torch_compile" else peer
                m = _med(res, "step", key) if key else None
                if m:
                    ratios[peer] = m / eng
        eng_lstm = _med(res, "step", "engine_lstm")
        torch_lstm = _med(res, "step", "torch_lstm")
        if eng_lstm and torch_lstm:
            ratios["torch_lstm"] = torch_lstm / eng_lstm
        res["speedups"] = ratios
        for peer, per in TARGETS.items():
            if name not in per:
                continue
            if peer == "floor":
                if eng:
                    value = res["engine_over_floor"]
                    targets.append((name, "engine within floor x", per[name], value,
                                    value <= per[name]))  # fmt: skip
            elif peer in ratios:
                label = {"torch_lstm": "LSTM faster than torch.nn.LSTM x"}.get(
                    peer, f"engine faster than {peer} x"
                )
                targets.append((name, label, per[name], ratios[peer],
                                ratios[peer] >= per[name]))  # fmt: skip
        mem = res.get("memory") or {}
        if mem.get("engine") and mem.get("torch"):
            e, t = mem["engine"]["fit_mb"], mem["torch"]["fit_mb"]
            targets.append((name, "fit memory <= PyTorch eager, MB", t, e, e <= t))
    result["targets"] = targets


def _fmt(x, width=10, digits=2):
    if x is None:
        return f"{'-':>{width}s}"
    return f"{x:{width}.{digits}f}"


def _rate(res, section, cand):
    m = _med(res, section, cand)
    return res["predict_batch"][cand] / m if m else None


def report(result, args):
    m = result["machine"]
    v = result["versions"]
    ev = v.get("engine", {})
    tv = v.get("torch", {})
    blas = [p.get("internal_api") for p in ev.get("threadpools", [])]
    print(f"\nsksnn speed benchmark: float32, {args.threads} threads, {args.repeat} steps per "
          f"candidate in interleaved blocks of {args.block}")  # fmt: skip
    load = m.get("background_load")
    print(
        f"{m['cpu_model']}, {m['cpu_count']} CPUs; other processes used "
        + ("?" if load is None else f"{load:.2f}")
        + " CPUs on average during the run"
        + (" (NOT A QUIET MACHINE: timings unreliable)" if load and load > 0.1 else "")
    )
    git = result.get("git") or {}
    if git:
        print(
            f"sksnn at {git['commit'][:10]}"
            + (" with uncommitted changes in sksnn/" if git["sksnn_modified"] else "")
        )
    print(f"numpy {ev.get('numpy')} ({'/'.join(b for b in blas if b)}), numba {ev.get('numba')}, "
          f"sksnn {ev.get('sksnn')}, torch {tv.get('torch', '-')}, "
          f"snntorch {tv.get('snntorch', '-')}")  # fmt: skip
    g = result["gemm"]
    libs = {"engine": "NumPy's BLAS", "torch": "PyTorch"}
    print("GEMM float32 1024^3: "
          + ", ".join(f"{libs[k]} {r / 1e9:.0f} GFLOP/s" for k, r in g.items())
          + f"; the floor uses {result['gemm_rate'] / 1e9:.0f}")  # fmt: skip
    configs = result["configs"]

    print("\nTraining step (forward + BPTT + Adam), median ms; x peer = peer ms / engine ms")
    head = ["engine", "eager", "compiled", "snnTorch", "x eager", "x compiled", "x snnTorch",
            "GFLOP/s", "floor ms", "/floor"]  # fmt: skip
    print(f"{'config':8s}" + "".join(f"{h:>11s}" for h in head))
    for name, res in configs.items():
        if "engine" not in res["step"] and not any(c in res["step"] for c in STEP_PEERS):
            continue
        compiled = _best_compiled(res)
        row = [_med(res, "step", c) for c in ("engine", "torch_eager")]
        row += [_med(res, "step", compiled) if compiled else None, _med(res, "step", "snntorch")]
        row = [None if x is None else x * 1e3 for x in row]
        sp = res["speedups"]
        row += [sp.get(p) for p in STEP_PEERS]
        row += [res.get("engine_gflops"), res["floor_s"] * 1e3, res.get("engine_over_floor")]
        print(f"{name:8s}" + "".join(_fmt(x, 11) for x in row))

    lstm = [n for n, r in configs.items() if "engine_lstm" in r["step"]]
    if lstm:
        print("\nLSTM training step, median ms; x torch = torch.nn.LSTM ms / engine ms")
        print(f"{'config':8s}{'engine':>11s}{'torch':>11s}{'x torch':>11s}{'GFLOP/s':>11s}")
        for name in lstm:
            res = configs[name]
            e, t = _med(res, "step", "engine_lstm"), _med(res, "step", "torch_lstm")
            gf = res["flops"]["lstm_step"] / e / 1e9 if e else None
            print(f"{name:8s}{_fmt(e and e * 1e3, 11)}{_fmt(t and t * 1e3, 11)}"
                  f"{_fmt(res['speedups'].get('torch_lstm'), 11)}{_fmt(gf, 11)}")  # fmt: skip

    if any("predict" in r for r in configs.values()):
        print(
            "\nPrediction (forward only), samples/s; batch: "
            + ", ".join(f"{n} {common.CONFIGS[n]['predict_batch']}" for n in configs)
        )
        cols = [("engine", "engine"), ("eager", "torch_eager"), ("compiled", None),
                ("snnTorch", "snntorch"), ("eng. LSTM", "engine_lstm"),
                ("torch LSTM", "torch_lstm")]  # fmt: skip
        print(f"{'config':8s}" + "".join(f"{h:>11s}" for h, _ in cols))
        for name, res in configs.items():
            if "predict" not in res:
                continue
            compiled = _best_compiled(res, "predict")
            vals = [_rate(res, "predict", c or compiled) if (c or compiled) else None
                    for _, c in cols]  # fmt: skip
            print(f"{name:8s}" + "".join(_fmt(x, 11, 0) for x in vals))

    if any("fit" in r for r in configs.values()):
        print("\nFit: one epoch through the estimator vs the same PyTorch eager loop, median s")
        head = ["samples", "batches", "sksnn", "PyTorch", "x PyTorch", "sksnn fit",
                "pred/s sk", "pred/s pt"]  # fmt: skip
        print(f"{'config':8s}" + "".join(f"{h:>11s}" for h in head))
        for name, res in configs.items():
            if "fit" not in res:
                continue
            info = res["info"].get("engine_fit", {})
            e, t = _med(res, "fit", "engine_fit"), _med(res, "fit", "torch_fit")
            fit_s = common.summary(info.get("fit_s") or [])
            row = [e, t, t / e if e and t else None, fit_s and fit_s["median"],
                   _rate(res, "fit_predict", "engine_fit"),
                   _rate(res, "fit_predict", "torch_fit")]  # fmt: skip
            print(f"{name:8s}{info.get('n_samples', 0):11d}{info.get('batches', 0):11d}"
                  + "".join(_fmt(x, 11, 3) for x in row[:4])
                  + "".join(_fmt(x, 11, 0) for x in row[4:]))  # fmt: skip

    mems = {n: r["memory"] for n, r in configs.items() if r.get("memory")}
    if mems:
        print("\nPeak memory of a fit, MB above the resident size after setup (fresh process)")
        print(f"{'config':8s}{'sksnn':>11s}{'PyTorch':>11s}{'ratio':>11s}"
              f"{'sksnn s':>11s}{'PyTorch s':>11s}")  # fmt: skip
        for name, mem in mems.items():
            e, t = mem.get("engine"), mem.get("torch")
            ratio = e["fit_mb"] / t["fit_mb"] if e and t and t["fit_mb"] > 0 else None
            print(f"{name:8s}{_fmt(e and e['fit_mb'], 11, 1)}{_fmt(t and t['fit_mb'], 11, 1)}"
                  f"{_fmt(ratio, 11)}{_fmt(e and e['fit_s'], 11)}"
                  f"{_fmt(t and t['fit_s'], 11)}")  # fmt: skip

    notes = []
    for name, res in configs.items():
        for cand, info in res["info"].items():
            if "compile_s" in info:
                c, e = info["compiled_vs_eager_loss"]
                step = _med(res, "step", cand)
                notes.append(f"{name} {cand}: step {_fmt(step and step * 1e3, 0)} ms; "
                             f"compiled in {info['compile_s']:.1f} s "
                             f"(+{info['compile_predict_s']:.1f} s for predict); loss "
                             f"{c:.6g} vs eager {e:.6g}")  # fmt: skip
            if "threads" in info:
                (b, n), (bp, n_p) = info["threads"], info["predict_threads"]
                step, pred = _med(res, "step", cand), _rate(res, "predict", cand)
                notes.append(f"{name} {cand}: {b} BLAS / {n} Numba threads (predict {bp} / "
                             f"{n_p}); step {_fmt(step and step * 1e3, 0)} ms"
                             + (f", predict {pred:.0f} samples/s" if pred else ""))  # fmt: skip
        spread = [
            ((s["q3"] - s["q1"]) / s["median"], c)
            for c, s in res["summary"].get("step", {}).items()
            if s
        ]
        if spread:
            worst = max(spread)
            notes.append(f"{name}: noisiest step timing {worst[1]}, interquartile range "
                         f"{100 * worst[0]:.0f} % of the median")  # fmt: skip
    if notes:
        print("\nNotes (compile time is excluded from the steps)")
        for n in notes:
            print("  " + n)
    if result["targets"]:
        print("\nTargets of the issue")
        for name, label, target, value, good in result["targets"]:
            print(f"  {name}  {label:36s} target {target:7.2f}  measured {value:7.2f}  "
                  f"{'ok' if good else 'MISS'}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
