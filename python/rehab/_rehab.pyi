"""The native module behind rehab (internal: use the rehab package's API)."""

from typing import Any, Optional

Answer = tuple[bool, str]

class NativeProtocol:
    id: str
    title: str
    version: str
    sha256: str
    path: str
    has_example: bool
    def run(
        self, text: str, name: str, start: Optional[str] = None, as_of: Optional[str] = None
    ) -> Answer: ...
    def run_example(self, start: Optional[str] = None, as_of: Optional[str] = None) -> Answer: ...
    def run_many(
        self,
        texts: list[str],
        start: Optional[str] = None,
        as_of: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> list[Answer]: ...
    def simulate(
        self,
        patients: int,
        seed: int,
        patient: Optional[str] = None,
        threads: Optional[int] = None,
        model: Optional[dict[str, Any]] = None,
    ) -> Answer: ...

def load(path: str) -> tuple[Optional[NativeProtocol], str]: ...
def check(path: str) -> str: ...
