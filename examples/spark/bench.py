"""How fast Spark recomputes plans, against the engine's batch for the same patients.

Generates the patients of ``test_recompute.py`` (six sites, varied dates, some journals,
an invalid patient every 997), then times

1. ``engine run PROTOCOL --batch`` over them (every core, plans written to /dev/null);
2. ``recompute.py`` on a local Spark (``local[N]``, N partitions) over the same patients,
   every plan computed and its digest written to Spark's ``noop`` sink, after a small
   warm-up run that starts the Python workers and loads the protocol in each.

and prints patients per second for each and Spark's overhead over the batch. Use a
release build of both: ``cargo build --release`` for the engine and ``pip install
./python`` (release by default) for the ``rehab`` package, with pyspark and pyarrow
(``examples/spark/requirements.txt``) and a Java runtime.

    python examples/spark/bench.py [--patients 10000] [--cores 2] [--engine target/release/engine]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from recompute import recompute  # noqa: E402
from test_recompute import patient  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_batch(engine: str, protocol: str, lines: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one batch over `lines`."""
    text = "\n".join(lines) + "\n"
    cpu = children_cpu()
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        done = subprocess.run(
            [engine, "run", protocol, "--batch"],
            input=text.encode(),
            stdout=sink,
            stderr=subprocess.PIPE,
            check=False,
        )
    wall = time.perf_counter() - start
    # Exit 1 is expected: the invalid patients fail, each on its own line.
    if done.returncode not in (0, 1):
        raise SystemExit(f"the batch failed: {done.stderr.decode()}")
    return wall, children_cpu() - cpu


def time_spark(protocol: str, lines: list[str], cores: int) -> tuple[float, float]:
    """Wall seconds of Spark's start, and of recomputing `lines` on it."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    start = time.perf_counter()
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("rehab-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.addPyFile(str(HERE / "recompute.py"))
    started = time.perf_counter() - start

    def run(rows: list[str]) -> float:
        df = spark.createDataFrame([(r,) for r in rows], "patient string").repartition(cores)
        df = df.cache()
        df.count()
        begin = time.perf_counter()
        recompute(df, protocol).select("plan_sha256").write.format("noop").mode(
            "overwrite"
        ).save()
        return time.perf_counter() - begin

    run(lines[: cores * 4])  # warm-up: workers started, the protocol loaded in each
    wall = run(lines)
    spark.stop()
    return started, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--protocol", default=str(ROOT / "protocols" / "morra.yaml"))
    parser.add_argument(
        "--engine",
        default=os.environ.get("REHAB_ENGINE", str(ROOT / "target" / "release" / "engine")),
    )
    args = parser.parse_args()
    lines = [patient(i) for i in range(args.patients)]
    n = len(lines)

    batch_wall, batch_cpu = time_batch(args.engine, args.protocol, lines)
    print(f"batch: {n} patients in {batch_wall:.2f} s wall, {batch_cpu:.2f} s CPU: "
          f"{n / batch_wall:,.0f} patients/s, {n / batch_cpu:,.0f} per CPU-second")
    started, spark_wall = time_spark(args.protocol, lines, args.cores)
    print(f"spark local[{args.cores}]: started in {started:.1f} s; {n} patients in "
          f"{spark_wall:.2f} s: {n / spark_wall:,.0f} patients/s")
    print(f"spark's overhead over the batch: {spark_wall / batch_wall:.2f}x the wall time "
          f"({spark_wall - batch_wall:+.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
