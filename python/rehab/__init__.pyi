"""Type stubs of the rehab package: see rehab/__init__.py for the documentation."""

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Optional, Union

Patient = Union[Mapping[str, Any], str]
Diagnostic = dict[str, Any]
DateLike = Any  # a datetime.date or "YYYY-MM-DD"

class RehabError(Exception):
    diagnostics: list[Diagnostic]
    def __init__(self, diagnostics: list[Diagnostic]) -> None: ...

class ProtocolError(RehabError): ...

class PatientError(RehabError):
    index: Optional[int]
    def __init__(
        self, diagnostics: list[Diagnostic], index: Optional[int] = None
    ) -> None: ...

def check(path: Union[str, os.PathLike[str]]) -> list[Diagnostic]: ...

class Protocol:
    warnings: list[Diagnostic]
    @classmethod
    def load(cls, path: Union[str, os.PathLike[str]]) -> Protocol: ...
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def path(self) -> str: ...
    def run(
        self,
        patient: Optional[Patient] = None,
        *,
        start: DateLike = None,
        as_of: DateLike = None,
    ) -> dict[str, Any]: ...
    def run_many(
        self,
        patients: Iterable[Patient],
        *,
        start: DateLike = None,
        as_of: DateLike = None,
        threads: Optional[int] = None,
        errors: Literal["raise", "return"] = "raise",
        as_json: bool = False,
    ) -> list[Any]: ...
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
    ) -> dict[str, Any]: ...
