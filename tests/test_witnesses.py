"""The witness library (``instances/witnesses``): every recorded certificate and verdict re-checked.

Each instance kept by ``pluralis search`` comes with a verdict record (``NAME.verdict.json``) and,
when the verdict rests on an equilibrium in ``full``, a certificate (``NAME.certificate.yml``). Here
the certificate is re-verified by the independent verifier against the instance file, and the
claim's checker is run again with the recorded options: the verdict and every row must be the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proofs.search import STATE_FILE, find_target, options_from_json
from solver.analysis import Analysis
from solver.certificates.verify import load_certificate, verify_file
from solver.core.serialization import content_hash, load

WITNESSES = Path(__file__).resolve().parent.parent / "instances" / "witnesses"
RECORDS = sorted(WITNESSES.glob("*.verdict.json"))


def _record(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_the_library_is_not_empty() -> None:
    targets = {_record(p)["target"] for p in RECORDS}
    assert {"C2", "C5a", "C5b"} <= targets
    assert (WITNESSES / STATE_FILE).exists()


@pytest.mark.parametrize("path", RECORDS, ids=[p.name.removesuffix(".verdict.json") for p in RECORDS])
def test_recorded_certificate_verifies(path: Path) -> None:
    record = _record(path)
    instance = load(WITNESSES / record["instance"])
    assert content_hash(instance) == record["instance_hash"]
    if record["certificate"] is None:
        assert record["certificate_valid"] is None
        return
    certificate = WITNESSES / record["certificate"]
    verification = verify_file(certificate)
    assert verification.valid, verification.reasons
    assert record["certificate_valid"] is True
    # The certificate is about this very file: same instance, same hash.
    assert load_certificate(certificate)["instance_hash"] == record["instance_hash"]


@pytest.mark.parametrize("path", RECORDS, ids=[p.name.removesuffix(".verdict.json") for p in RECORDS])
def test_recorded_verdict_is_reproduced(path: Path) -> None:
    record = _record(path)
    instance = load(WITNESSES / record["instance"])
    provenance = dict(instance.provenance)
    assert provenance["claim"] == record["claim"]
    assert provenance["verdict"] == record["verdict"]
    assert provenance["note"] == record["note"] and record["note"]
    target = find_target(record["target"])
    result = target.check(Analysis(instance), options_from_json(record["options"]))
    assert result.verdict.value == record["verdict"]
    assert target.hit(result) or record["kind"] == "record"
    rows = [r.to_json() for r in result.rows]
    assert rows == record["result"]["details"]["rows"]
