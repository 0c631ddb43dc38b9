"""The command line: ``python -m sksnn demo`` and ``sksnn bench``."""

import subprocess
import sys

import pytest

from sksnn.__main__ import main


def test_demo_prints_the_tables(capsys):
    assert main(["demo", "--quick"]) == 0
    out = capsys.readouterr().out
    needles = ["digits rows     SNU", "digits rows     sSNU", "digits rows     LSTM"]
    needles += ["digits pixels   soft LIF", "digits pixels     spiking", "digits pixels   SRC"]
    needles += ["JSB, 2 epochs", "drift compensation", "no compensation", "1 year"]
    for needle in needles:
        assert needle in out, needle
    # the accuracy column holds numbers in [0, 1]
    accuracy = float(out.split("digits rows     SNU")[1].split()[1])
    assert 0.0 <= accuracy <= 1.0


def test_bench_names_the_available_scripts():
    with pytest.raises(SystemExit, match=r"no benchmark 'nope'.*digits_rows"):
        main(["bench", "nope"])


def test_module_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "sksnn", "--help"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert "demo" in out and "bench" in out
