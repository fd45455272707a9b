"""Validates FHIR bundles the way a FHIR client would read them, for tests/fhir.rs.

Usage: check_fhir.py FILE.json...

Each file is parsed by `fhir.resources` (pydantic models of FHIR R4B, which matches R4
for the resources the engine writes): the bundle and every resource in it, with their
cardinalities, types, primitive formats and FHIR's own rules the models check. Prints
one JSON object: for each file, its problems (none, for a pass) and the resource types
it holds, in order.
"""

import json
import sys

from fhir.resources import construct_fhir_element
from pydantic import ValidationError


def check(path: str) -> dict:
    problems = []
    types = []
    with open(path, "rb") as f:
        data = json.load(f)
    try:
        bundle = construct_fhir_element("Bundle", data)
        for entry in bundle.entry or []:
            types.append(entry.resource.resource_type)
        # A round trip: what the models read they write back the same.
        again = json.loads(bundle.json())
        if again.get("resourceType") != "Bundle":
            problems.append("the bundle does not write back as a Bundle")
    except ValidationError as e:
        for err in e.errors():
            problems.append(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}")
    except Exception as e:  # noqa: BLE001 - any failure to read is a problem to report
        problems.append(f"{type(e).__name__}: {e}")
    return {"problems": problems, "types": types}


def main() -> None:
    print(json.dumps({path: check(path) for path in sys.argv[1:]}, indent=1))


if __name__ == "__main__":
    main()
