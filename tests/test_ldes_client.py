"""The change stream replicated by the reference LDES client (npm ldes-client, installed by
`make test` in tools/ldes-client) from a real `isoko serve`: from an empty state it rebuilds the
catalogue exactly (the N-Quads dump's quads of every entity), and after a build that changes one
fee, a run from its saved state picks up that one change."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pyoxigraph as ox

from isoko.config import ROOT
from loaders.build import build, current_build

from .server import running_server

CLIENT = ROOT / "tools" / "ldes-client" / "node_modules" / ".bin" / "ldes-client"
ID = "https://data.isoko.bi/id/"
AS_DELETE = "https://www.w3.org/ns/activitystreams#Delete"
GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"


def replicate(url: str, state: Path) -> list[list[ox.Quad]]:
    """The members the client emits (materialized, oldest first), each as its quads."""
    assert CLIENT.exists(), f"{CLIENT} is missing: `make test` installs it (npm ci in tools/ldes-client)"
    done = subprocess.run(["node", str(CLIENT), url + "/feed/ldes", "--materialize", "--ordered", "ascending",
                           "--save", str(state)], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    chunks = [chunk for chunk in done.stdout.split(b"\n\n") if chunk.strip()]
    return [list(ox.parse(chunk, format=ox.RdfFormat.N_QUADS)) for chunk in chunks]


def _time(quads: list[ox.Quad]) -> str:
    return next(q.object.value for q in quads if q.predicate.value == GENERATED)


def apply(catalogue: dict[str, set[ox.Quad]], members: list[list[ox.Quad]]) -> None:
    """Upsert each member's entity (its named-graph quads), or delete it on a tombstone, in the
    order of their timestamps (the stream's ldes:timestampPath; the client's emission order is
    only mostly ascending when pages arrive out of order)."""
    for quads in sorted(members, key=_time):
        entity = next(q.subject.value for q in quads if q.predicate.value == GENERATED)
        if any(q.object.value == AS_DELETE for q in quads if isinstance(q.graph_name, ox.DefaultGraph)):
            catalogue.pop(entity, None)
        else:
            catalogue[entity] = {q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}


def dumped_entities(config) -> set[ox.Quad]:
    dump = gzip.open(current_build(config) / "dumps" / "catalogue.nq.gz").read()
    return {q for q in ox.parse(dump, format=ox.RdfFormat.N_QUADS) if q.subject.value.startswith(ID)}


def test_the_reference_client_replicates_the_catalogue_and_then_only_what_changed(built, tmp_path):
    # three builds of history: an entity removed and a fee changed before the first replication
    (built.data_dir / "document" / "passport.yaml").unlink()
    passport = built.data_dir / "procedure" / "passport.yaml"
    passport.write_text(passport.read_text().replace("produces: [document/passport]\n", ""))
    build(built)
    passport.write_text(passport.read_text().replace("amount: 235000", "amount: 240000"))
    build(built)
    with running_server(built) as url:
        catalogue: dict[str, set[ox.Quad]] = {}
        members = replicate(url, tmp_path / "state")
        apply(catalogue, members)
        replicated = set().union(*catalogue.values())
        assert replicated == dumped_entities(built) and len(replicated) > 100
        assert ID + "document/passport" not in catalogue

        passport.write_text(passport.read_text().replace("amount: 240000", "amount: 250000"))
        build(built)
        update = replicate(url, tmp_path / "state")
        assert [next(q.subject.value for q in quads if q.predicate.value == GENERATED) for quads in update] \
            == [ID + "procedure/passport"]
        apply(catalogue, update)
        assert set().union(*catalogue.values()) == dumped_entities(built)
        assert replicate(url, tmp_path / "state") == []  # nothing new: nothing emitted
