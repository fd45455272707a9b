"""Spark recomputes the plans the engine's batch gives, row for row.

Runs `recompute.py` on a local Spark (`local[2]`, UI off, bound to 127.0.0.1) over
10,000 generated patients, with 1 and 2 partitions, and checks that every row's plan
has the SHA-256 of the line `engine run protocols/morra.yaml --batch` prints for the
same patient. The digests are computed in the executors, so only patients and digests
reach the driver. `.ci/run` installs pyspark and pyarrow in target/venv-py (Java comes
from the machine, or Debian's package); the engine binary is target/debug/engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = Path(os.environ.get("REHAB_ENGINE", ROOT / "target" / "debug" / "engine"))
PROTOCOL = str(ROOT / "protocols" / "morra.yaml")
PATIENTS = 10_000

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recompute import error_text, recompute  # noqa: E402

SITES = ["metatarsal", "calcaneus", "femur", "hip", "pelvis", "spine"]


def patient(i: int) -> str:
    """A varied patient: sites and diagnosis dates differ, some report a journal, and
    every 997th one is invalid (an unknown site), so error rows are compared too."""
    site = "nose" if i % 997 == 0 else SITES[i % len(SITES)]
    p: dict = {
        "name": f"p{i}",
        "inputs": {"site": site, "diagnosed_on": f"2026-{1 + i % 9:02d}-{1 + i % 28:02d}"},
    }
    if i % 3 == 0:
        p["journal"] = [{"date": f"2026-{1 + i % 9:02d}-{1 + i % 28:02d}", "note": "diagnosed"}]
    return json.dumps(p)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return [patient(i) for i in range(PATIENTS)]


@pytest.fixture(scope="module")
def expected(lines: list[str]) -> list[str]:
    """The SHA-256 of each line the engine's batch prints, in input order."""
    if not ENGINE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{ENGINE} is missing: .ci/run builds it with cargo test first")
        pytest.skip(f"{ENGINE} is missing (run cargo build)")
    out = subprocess.run(
        [str(ENGINE), "run", PROTOCOL, "--batch"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit 1: the invalid patients failed, as intended; each is on its own line.
    assert out.returncode == 1, out.stderr
    printed = out.stdout.splitlines()
    assert len(printed) == len(lines)
    assert sum('"error"' in line[:40] for line in printed) == len(
        [i for i in range(PATIENTS) if i % 997 == 0]
    )
    # A plan must be the batch's line byte for byte; an error, the same diagnostics
    # (a row has no line number, so the batch's `line` is left out).
    texts = [
        error_text(json.loads(line)) if line.startswith('{"line":') else line
        for line in printed
    ]
    return [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Workers run this interpreter, where rehab, pyarrow and pyspark are installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("rehab-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # The workers import `recompute` too, to unpickle the function they run.
    session.sparkContext.addPyFile(str(Path(__file__).resolve().parent / "recompute.py"))
    yield session
    session.stop()


@pytest.mark.parametrize("partitions", [1, 2])
def test_every_row_equals_the_batch_line(spark, lines, expected, partitions):
    rows = [(i, line) for i, line in enumerate(lines)]
    df = spark.createDataFrame(rows, "i long, patient string").repartition(partitions)
    assert df.rdd.getNumPartitions() == partitions
    got = recompute(df, PROTOCOL).select("patient", "plan_sha256").collect()
    assert len(got) == PATIENTS
    by_patient = {row.patient: row.plan_sha256 for row in got}
    assert len(by_patient) == PATIENTS
    mismatched = [i for i, line in enumerate(lines) if by_patient[line] != expected[i]]
    assert mismatched == [], f"{len(mismatched)} rows differ, first {mismatched[:5]}"
