"""Recompute every patient's plan on Spark, with the engine compiled once per executor.

The patients are a DataFrame with one column, ``patient``: each row a patient as JSON
text, of the shape of a patient file (``{"name": ..., "inputs": {...}, "journal":
[...]}``), exactly a line of ``engine run PROTOCOL --batch``. ``recompute`` gives a
DataFrame of ``patient``, ``plan`` (the plan as ``engine run --format json`` gives
it, on one line, or ``{"error": ...}`` for a patient that cannot be run: see
``error_text``) and ``plan_sha256``, the SHA-256 of that text.

It uses ``DataFrame.mapInArrow``, which Spark Connect and Databricks support (unlike
``RDD.pipe``): each Python worker loads and checks the protocol once, for its first
batch of rows, and runs whole Arrow batches through ``Protocol.run_many``, which uses
every core the worker has, outside the GIL.

Run it on a local Spark::

    python examples/spark/recompute.py protocols/morra.yaml patients.jsonl out/

The protocol file (and its modules) must be readable at the same path on every
executor; on a cluster, ship them with ``spark.addFile`` or a shared volume.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Iterator

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

SCHEMA = "patient string, plan string, plan_sha256 string"

_protocols: dict = {}


def _protocol(path: str):
    """The checked protocol, loaded once per Python worker process."""
    import rehab

    if path not in _protocols:
        _protocols[path] = rehab.Protocol.load(path)
    return _protocols[path]


def error_text(entry: dict) -> str:
    """A patient that cannot be run, as ``{"error": {"diagnostics": [...]}}``: each
    diagnostic's code, message, line and column within the patient's JSON text. The
    batch's ``line`` and the ``file`` name are left out: a row has no line number."""
    keep = ("code", "message", "line", "column")
    diagnostics = [{k: d.get(k) for k in keep} for d in entry["error"]["diagnostics"]]
    return json.dumps({"error": {"diagnostics": diagnostics}}, sort_keys=True)


def plans_for(protocol_path: str):
    """The function ``mapInArrow`` runs on each partition's batches."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        protocol = _protocol(protocol_path)
        for batch in batches:
            patients = batch.column("patient").to_pylist()
            plans = protocol.run_many(patients, errors="return", as_json=True)
            # With `as_json`, plans and errors (`{"index": ..., "error": ...}`) are text.
            texts = [
                error_text(json.loads(p)) if p.startswith('{"index"') else p
                for p in plans
            ]
            digests = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
            yield pa.RecordBatch.from_arrays(
                [pa.array(patients, pa.string()), pa.array(texts, pa.string()),
                 pa.array(digests, pa.string())],
                names=["patient", "plan", "plan_sha256"],
            )

    return run


def recompute(patients: DataFrame, protocol_path: str) -> DataFrame:
    """Every row's plan, computed on the executors."""
    return patients.select("patient").mapInArrow(plans_for(protocol_path), SCHEMA)


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__)
        return 2
    protocol_path, patients_path, out = argv[1:]
    spark = SparkSession.builder.appName("rehab-recompute").getOrCreate()
    patients = spark.read.text(patients_path).withColumnRenamed("value", "patient")
    recompute(patients, protocol_path).write.mode("overwrite").json(out)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
