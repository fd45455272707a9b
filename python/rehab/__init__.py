"""Rehabilitation protocols as code, from Python.

Load a protocol once, then run patients through it::

    import datetime, rehab

    protocol = rehab.Protocol.load("protocols/morra.yaml")
    plan = protocol.run({"name": "A runner",
                         "inputs": {"site": "calcaneus",
                                    "diagnosed_on": datetime.date(2026, 9, 1)}})
    plan["outcome"]["status"]

A plan is a dict equal to the JSON ``engine run --format json`` prints. Every plan
carries its protocol's disclaimer: the engine supports a clinician's judgement and does
not replace it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Optional, Union

from . import _rehab

__all__ = [
    "Protocol",
    "RehabError",
    "ProtocolError",
    "PatientError",
    "check",
]

Patient = Union[Mapping[str, Any], str]


class RehabError(Exception):
    """An error of the engine, with its diagnostics.

    ``diagnostics`` is a list of dicts as ``engine check --format json`` gives them:
    ``severity``, ``code`` (such as ``"E040"``), ``message``, ``file``, and where known
    ``line``, ``column``, ``end_line``, ``end_column`` (1-based), ``text`` and ``help``.
    """

    def __init__(self, diagnostics: list[dict[str, Any]]):
        self.diagnostics = diagnostics
        super().__init__(_describe(diagnostics))


class ProtocolError(RehabError):
    """A protocol that cannot be loaded: unreadable, or it does not check."""


class PatientError(RehabError):
    """A patient that cannot be run: not a patient object, or it does not check against
    the protocol. ``index`` is its place in ``run_many``'s input (``None`` for ``run``).
    """

    def __init__(self, diagnostics: list[dict[str, Any]], index: Optional[int] = None):
        self.index = index
        super().__init__(diagnostics)
        if index is not None:
            self.args = (f"patient {index}: {self.args[0]}",)


def _describe(diagnostics: list[dict[str, Any]]) -> str:
    errors = [d for d in diagnostics if d.get("severity", "error") == "error"] or diagnostics
    if not errors:
        return "unknown error"
    lines = []
    for d in errors:
        place = d.get("file") or ""
        if d.get("line") is not None:
            place += f":{d['line']}:{d.get('column', 1)}"
        lines.append(f"{d['code']}: {d['message']}" + (f" ({place})" if place else ""))
    return "; ".join(lines)


def _text(patient: Patient) -> str:
    """A patient as the text the engine reads: YAML text as given, a mapping as JSON
    (dates written ``YYYY-MM-DD`` by ``str``)."""
    if isinstance(patient, str):
        return patient
    if isinstance(patient, Mapping):
        return json.dumps(dict(patient), default=str)
    raise TypeError(
        f"a patient is a dict or YAML text, not {type(patient).__name__}"
    )


def _date(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def check(path: Union[str, os.PathLike[str]]) -> list[dict[str, Any]]:
    """Checks the protocol at ``path`` as ``engine check`` does (the protocol with its
    modules, then its embedded example patient, checked and run): every diagnostic
    found (errors and warnings) as dicts, as ``engine check --format json`` lists them;
    an empty list when the protocol is clean. The example's journal warnings (W049,
    W051 to W053), which the command line adds, are not given."""
    return json.loads(_rehab.check(os.fspath(path)))


class Protocol:
    """A checked protocol, read once. Use :meth:`Protocol.load`.

    Runs share it: :meth:`run_many` and :meth:`simulate` run on every core, each thread
    with its own script evaluator, with the GIL released.
    """

    __slots__ = ("_native", "warnings")

    def __init__(self, native: Any, warnings: list[dict[str, Any]]):
        self._native = native
        #: The warnings the check found (the protocol loaded in spite of them).
        self.warnings = warnings

    @classmethod
    def load(cls, path: Union[str, os.PathLike[str]]) -> "Protocol":
        """Reads and checks the protocol file at ``path`` with its plugin modules.

        Raises :class:`ProtocolError`, carrying every diagnostic, when the file cannot
        be read or does not check.
        """
        native, diagnostics = _rehab.load(os.fspath(path))
        found = json.loads(diagnostics)
        if native is None:
            raise ProtocolError(found)
        return cls(native, found)

    @property
    def id(self) -> str:
        """The protocol's id."""
        return self._native.id

    @property
    def title(self) -> str:
        """The protocol's title."""
        return self._native.title

    @property
    def version(self) -> str:
        """The protocol's version."""
        return self._native.version

    @property
    def sha256(self) -> str:
        """The SHA-256 of the protocol's bytes and its modules', as plans give it."""
        return self._native.sha256

    @property
    def path(self) -> str:
        """The path the protocol was loaded from."""
        return self._native.path

    def __repr__(self) -> str:
        return f"<rehab.Protocol {self.id} v{self.version} from {self.path!r}>"

    def run(
        self,
        patient: Optional[Patient] = None,
        *,
        start: Any = None,
        as_of: Any = None,
    ) -> dict[str, Any]:
        """Runs the protocol for one patient and returns the plan as a dict, equal to
        the JSON ``engine run --format json`` prints.

        ``patient`` is a dict of the shape of a patient file (``name``, ``inputs``,
        ``journal``; ``datetime.date`` values are fine) or the YAML (or JSON) text of
        one; ``None`` runs the protocol's embedded example patient. ``start`` and
        ``as_of`` (a ``datetime.date`` or ``"YYYY-MM-DD"``) are ``--start`` and
        ``--as-of``.

        Raises :class:`PatientError` with the diagnostics when the patient cannot be
        run.
        """
        if patient is None:
            ok, out = self._native.run_example(_date(start), _date(as_of))
        else:
            ok, out = self._native.run(_text(patient), "patient", _date(start), _date(as_of))
        if not ok:
            raise PatientError(json.loads(out))
        return json.loads(out)

    def run_many(
        self,
        patients: Iterable[Patient],
        *,
        start: Any = None,
        as_of: Any = None,
        threads: Optional[int] = None,
        errors: Literal["raise", "return"] = "raise",
        as_json: bool = False,
    ) -> list[Any]:
        """Runs many patients and returns their plans in input order.

        The patients run on ``threads`` threads (one per core by default) with the GIL
        released, as ``engine run --batch`` runs its lines. Every patient is run, then
        with ``errors="raise"`` (the default) the first patient that could not be run
        raises :class:`PatientError` (its ``index`` says which); with
        ``errors="return"`` its place in the list holds
        ``{"index": i, "error": {"diagnostics": [...]}}`` instead of a plan, as a batch
        line's error does.

        With ``as_json=True`` each plan (or error entry) is given as its JSON text, one
        line, exactly a line of ``engine run --batch``'s output but for the error
        entry's ``index``; turning plans into dicts is most of the time of a large run,
        so this is for callers who write the plans out.
        """
        if errors not in ("raise", "return"):
            raise ValueError(f'errors must be "raise" or "return", not {errors!r}')
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        texts = [_text(p) for p in patients]
        answers = self._native.run_many(texts, _date(start), _date(as_of), threads)
        plans: list[Any] = []
        for index, (ok, out) in enumerate(answers):
            if ok:
                plans.append(out if as_json else json.loads(out))
                continue
            diagnostics = json.loads(out)
            if errors == "raise":
                raise PatientError(diagnostics, index)
            entry = {"index": index, "error": {"diagnostics": diagnostics}}
            plans.append(json.dumps(entry) if as_json else entry)
        return plans

    def simulate(
        self,
        patients: int = 1000,
        seed: int = 0,
        *,
        patient: Optional[Patient] = None,
        threads: Optional[int] = None,
        pain_chance: Optional[float] = None,
        cross_pain_chance: Optional[float] = None,
        pain_min: Optional[int] = None,
        pain_max: Optional[int] = None,
        next_day_chance: Optional[float] = None,
        skip_chance: Optional[float] = None,
        pass_chance: Optional[float] = None,
    ) -> dict[str, Any]:
        """Simulates ``patients`` patients who answer the plan day by day from a
        stochastic model, as ``engine simulate`` does, and returns its report as a dict
        equal to ``engine simulate --format json``.

        The same seed gives the same report on any number of threads. ``patient`` gives
        the inputs every simulated patient shares (its journal is left out); without
        it, the protocol's example patient. The model's numbers left as ``None`` keep
        the engine's defaults. A patient whose run stopped with an error counts in the
        report's ``failed``.

        Raises :class:`PatientError` when the base patient cannot be run, and
        ``ValueError`` for numbers out of range.
        """
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        if patients < 1 or seed < 0:
            raise ValueError("patients must be at least 1 and seed not negative")
        model = {
            "pain_chance": pain_chance,
            "cross_pain_chance": cross_pain_chance,
            "pain_min": pain_min,
            "pain_max": pain_max,
            "next_day_chance": next_day_chance,
            "skip_chance": skip_chance,
            "pass_chance": pass_chance,
        }
        base = None if patient is None else _text(patient)
        ok, out = self._native.simulate(patients, seed, base, threads, model)
        if not ok:
            raise PatientError(json.loads(out))
        return json.loads(out)
