"""The rehab package against the command line: the same protocol and patient give the
same plan from Python as from `engine run --format json`.

`.ci/run` installs the package into target/venv-py and runs these after `cargo test`,
when target/debug/engine exists. Outside CI a missing engine binary skips the tests
that compare with it; on CI (CI=true) it fails them.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path

import pytest

import rehab

ROOT = Path(__file__).resolve().parents[2]
MORRA = ROOT / "protocols" / "morra.yaml"
ENGINE = Path(os.environ.get("REHAB_ENGINE", ROOT / "target" / "debug" / "engine"))

PATIENT_YAML = """\
name: A runner
inputs:
  site: calcaneus
  diagnosed_on: 2026-09-01
journal:
  - { date: 2026-10-12, event: cleared_by_physician }
"""

PATIENT_DICT = {
    "name": "A runner",
    "inputs": {"site": "calcaneus", "diagnosed_on": "2026-09-01"},
    "journal": [{"date": "2026-10-12", "event": "cleared_by_physician"}],
}


def engine(*args: str) -> subprocess.CompletedProcess[str]:
    if not ENGINE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{ENGINE} is missing: .ci/run builds it with cargo test first")
        pytest.skip(f"{ENGINE} is missing (run cargo build)")
    return subprocess.run(
        [str(ENGINE), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def morra() -> rehab.Protocol:
    return rehab.Protocol.load(MORRA)


def test_the_example_patient_gives_the_plan_the_command_line_gives(morra):
    out = engine("run", "protocols/morra.yaml", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert morra.run() == json.loads(out.stdout)


def test_a_patient_file_gives_the_plan_the_command_line_gives(morra, tmp_path):
    for example in ["week3-pain.yaml", "calcaneus.yaml"]:
        path = ROOT / "examples" / "patients" / example
        out = engine("run", str(MORRA), "--patient", str(path), "--format", "json")
        assert out.returncode == 0, out.stderr
        assert morra.run(path.read_text()) == json.loads(out.stdout), example
    # --start and --as-of too.
    path = tmp_path / "p.yaml"
    path.write_text(PATIENT_YAML)
    out = engine(
        "run", str(MORRA), "--patient", str(path), "--format", "json",
        "--start", "2026-09-15", "--as-of", "2026-11-01",
    )
    assert out.returncode == 0, out.stderr
    plan = morra.run(PATIENT_YAML, start=datetime.date(2026, 9, 15), as_of="2026-11-01")
    assert plan == json.loads(out.stdout)
    assert plan["outcome"]["status"] != "completed"


def test_a_dict_and_yaml_text_give_the_same_plan(morra):
    from_text = morra.run(PATIENT_YAML)
    assert morra.run(PATIENT_DICT) == from_text
    assert morra.run(json.dumps(PATIENT_DICT)) == from_text
    assert from_text["protocol"]["id"] == "morra"
    assert from_text["disclaimer"]


def test_dates_may_be_datetime_dates(morra):
    patient = {
        "name": "A runner",
        "inputs": {"site": "calcaneus", "diagnosed_on": datetime.date(2026, 9, 1)},
        "journal": [{"date": datetime.date(2026, 10, 12), "event": "cleared_by_physician"}],
    }
    assert morra.run(patient) == morra.run(PATIENT_DICT)


def test_run_many_keeps_input_order_and_equals_run(morra):
    sites = ["calcaneus", "metatarsal", "femur", "hip", "pelvis"] * 4
    patients = [
        {"name": f"p{i}", "inputs": {"site": site, "diagnosed_on": datetime.date(2026, 9, 1 + i)}}
        for i, site in enumerate(sites)
    ]
    plans = morra.run_many(patients)
    assert len(plans) == len(patients)
    for patient, plan in zip(patients, plans):
        assert plan == morra.run(patient)
    assert morra.run_many(patients, threads=1) == plans
    assert morra.run_many(iter(patients[:3]), threads=3) == plans[:3]
    assert morra.run_many([]) == []
    as_json = morra.run_many(patients[:4], as_json=True)
    assert [json.loads(text) for text in as_json] == plans[:4]
    assert all("\n" not in text for text in as_json)


def test_a_bad_patient_raises_with_its_diagnostics(morra):
    with pytest.raises(rehab.PatientError) as raised:
        morra.run({"name": "x", "inputs": {"site": "elbow", "diagnosed_on": "2026-09-01"}})
    diagnostics = raised.value.diagnostics
    assert diagnostics and all(d["severity"] == "error" for d in diagnostics)
    first = diagnostics[0]
    assert first["code"].startswith("E") and first["message"]
    assert first["file"] == "patient" and first["line"] >= 1 and first["column"] >= 1
    assert first["code"] in str(raised.value)
    assert raised.value.index is None

    with pytest.raises(rehab.PatientError):
        morra.run("inputs: [not, a, mapping")
    with pytest.raises(TypeError):
        morra.run(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        morra.run(PATIENT_DICT, start="next tuesday")


def test_run_many_raises_for_a_bad_patient_or_returns_its_error(morra):
    patients = [PATIENT_DICT, {"inputs": {"site": "elbow"}}, PATIENT_YAML]
    with pytest.raises(rehab.PatientError) as raised:
        morra.run_many(patients)
    assert raised.value.index == 1
    assert raised.value.diagnostics[0]["file"] == "patient 1"

    plans = morra.run_many(patients, errors="return")
    assert plans[0] == plans[2] == morra.run(PATIENT_DICT)
    assert plans[1]["index"] == 1
    assert plans[1]["error"]["diagnostics"][0]["code"].startswith("E")
    as_json = morra.run_many(patients, errors="return", as_json=True)
    assert [json.loads(text) for text in as_json] == plans


def test_an_invalid_protocol_raises_with_its_diagnostics():
    bad = ROOT / "tests" / "fixtures" / "invalid" / "bad-action.yaml"
    with pytest.raises(rehab.ProtocolError) as raised:
        rehab.Protocol.load(bad)
    errors = [d for d in raised.value.diagnostics if d["severity"] == "error"]
    assert errors
    for d in errors:
        assert d["code"].startswith("E") and d["message"]
        assert d["file"] == str(bad)
        assert d["line"] >= 1 and d["column"] >= 1
    # The same diagnostics as `engine check --format json`.
    out = engine("check", str(bad), "--format", "json")
    assert out.returncode == 1
    assert raised.value.diagnostics == json.loads(out.stdout)["diagnostics"]

    with pytest.raises(rehab.ProtocolError) as raised:
        rehab.Protocol.load(ROOT / "no-such-protocol.yaml")
    assert raised.value.diagnostics[0]["code"] == "E006"  # cannot read the file


def test_check_lists_diagnostics_and_is_empty_when_clean():
    assert rehab.check(MORRA) == []
    found = rehab.check(ROOT / "tests" / "fixtures" / "invalid" / "bad-action.yaml")
    assert found and {"code", "message", "file", "line", "column"} <= set(found[0])


def test_check_gives_what_engine_check_gives(monkeypatch):
    monkeypatch.chdir(ROOT)  # paths as given, as the command line shows them
    journal_warnings = {"W049", "W051", "W052", "W053"}
    paths = sorted((ROOT / "protocols").glob("*.yaml"))
    paths += sorted((ROOT / "tests" / "fixtures" / "invalid").glob("*.yaml"))
    compared = 0
    for path in paths:
        shown = str(path.relative_to(ROOT))
        out = engine("check", shown, "--format", "json")
        expected = json.loads(out.stdout)["diagnostics"]
        if any(d["code"] in journal_warnings for d in expected):
            continue
        assert rehab.check(shown) == expected, shown
        compared += 1
    assert compared > 20


def test_simulate_gives_the_report_and_depends_on_the_seed_only(morra):
    report = morra.simulate(patients=200, seed=7)
    for key in [
        "protocol", "disclaimer", "patients", "patient_days", "seed", "model", "completed",
        "in_progress", "referred", "failed", "completion_days", "histogram", "rules_fired",
    ]:
        assert key in report, key
    assert report["patients"] == 200 and report["seed"] == 7
    assert report["completed"] + report["in_progress"] + report["referred"] + report["failed"] == 200
    assert morra.simulate(patients=200, seed=7, threads=1) == report
    assert morra.simulate(patients=200, seed=8) != report

    out = engine("simulate", "protocols/morra.yaml", "--patients", "200", "--seed", "7",
                 "--format", "json")
    assert out.returncode == 0, out.stderr
    assert report == json.loads(out.stdout)

    tuned = morra.simulate(patients=50, seed=1, pain_chance=0.5, patient=PATIENT_DICT)
    assert tuned["model"]["pain_chance"] == 0.5
    with pytest.raises(ValueError):
        morra.simulate(patients=10, pain_chance=2.0)
    with pytest.raises(rehab.PatientError):
        morra.simulate(patients=10, patient={"inputs": {"site": "elbow"}})


def test_the_protocol_describes_itself(morra):
    assert morra.id == "morra"
    assert len(morra.sha256) == 64
    assert morra.run()["provenance"]["protocol"]["sha256"] == morra.sha256
    assert "morra" in repr(morra)
