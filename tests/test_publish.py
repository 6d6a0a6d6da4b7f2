"""`isoko publish --to`: the current build into a real Fuseki / `oxigraph serve`, switched in one
transaction that concurrent readers see whole or not at all; clear failures; the production
Fuseki configuration of deploy/fuseki/isoko.ttl."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from isoko.cli import main
from isoko.config import ROOT, Config
from loaders.build import build
from loaders.publish import publish
from sparql_endpoint.remote import STAGING_PREFIX, RemoteStore, build_graph, build_info
from sparql_endpoint.store import OxigraphStore
from tests.conftest import FIXTURE
from tests.server import STORES, free_port, publish_to, running_server, running_store

PROCEDURES = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"
DCT = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module", params=STORES)
def store_spec(request, tmp_path_factory) -> str:
    with running_store(request.param, tmp_path_factory.mktemp(request.param) / "store") as spec:
        yield spec


def two_builds(tmp_path) -> tuple[Config, Config]:
    """The fixture catalogue built twice: whole (a), and without one procedure and its graph (b)."""
    configs = []
    for name in ("a", "b"):
        shutil.copytree(FIXTURE, tmp_path / name / "data")
        config = Config(data_dir=tmp_path / name / "data", var_dir=tmp_path / name / "var")
        if name == "b":
            (config.data_dir / "procedure" / "birth-registration.yaml").unlink()
        build(config)
        configs.append(config)
    return configs[0], configs[1]


def snapshot(remote: RemoteStore, base: str) -> tuple[str, int, int]:
    """(build id, triples in the default graph, procedures) read in ONE query."""
    graph = build_graph(base)
    row = remote.select(f"""SELECT ?id ?n ?p WHERE {{
        {{ SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?x ?o }} }}
        {{ SELECT (COUNT(*) AS ?p) WHERE {{ ?s a <http://purl.org/vocab/cpsv#PublicService> }} }}
        OPTIONAL {{ GRAPH <{graph}> {{ <{graph}> <{DCT}identifier> ?id }} }} }}""")[0]
    return (row["id"].value if "id" in row else None, int(row["n"].value), int(row["p"].value))


def test_publish_copies_the_build_and_replaces_the_previous_one(store_spec, tmp_path):
    a, b = two_builds(tmp_path)
    remote = RemoteStore.from_spec(store_spec)
    remote.update("DROP SILENT ALL")
    remote.put_graph(STAGING_PREFIX + "killed:0", b"<http://x/a> <http://x/b> 1 .")  # an interrupted publish
    remote.put_graph("http://elsewhere.example/graph", b"<http://x/a> <http://x/b> 2 .")  # not ours

    info = publish(a, store_spec)
    local = OxigraphStore(a.current_link / "store", read_only=True)
    assert info.graphs == len(local.graphs()) and info.bytes > 0
    assert remote.graphs() == sorted({*local.graphs(), build_graph(a.base_iri), "http://elsewhere.example/graph"})
    for graph in local.graphs():  # each named graph arrives whole, Jena/Oxigraph parsing our Turtle
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        assert remote.select(query)[0]["n"] == local.select(query)[0]["n"], graph
    union = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # the default graph is the union
    assert remote.select(union)[0]["n"] == local.select(union)[0]["n"]
    assert remote.select(PROCEDURES)[0]["n"].value == "2"
    assert build_info(remote, a.base_iri)["id"] == info.id == a.current_link.resolve().name
    assert not any(g.startswith(STAGING_PREFIX) for g in _all_graphs(remote))

    gone = set(local.graphs()) - set(OxigraphStore(b.current_link / "store", read_only=True).graphs())
    info_b = publish(b, store_spec)
    assert remote.select(PROCEDURES)[0]["n"].value == "1"
    assert set(info_b.removed) == gone and gone and not gone & set(remote.graphs())
    assert "http://elsewhere.example/graph" in remote.graphs()


def test_readers_see_the_old_or_the_new_build_never_a_mix(store_spec, tmp_path):
    a, b = two_builds(tmp_path)
    remote = RemoteStore.from_spec(store_spec)
    publish(a, store_spec)
    old = snapshot(remote, a.base_iri)
    publish(b, store_spec)
    new = snapshot(remote, b.base_iri)
    assert old != new and old[0] and new[0]

    seen: list[tuple] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        reader = RemoteStore.from_spec(store_spec)
        while not stop.is_set():
            try:
                seen.append(snapshot(reader, a.base_iri))
            except BaseException as err:  # reported below
                failures.append(err)
                return

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for config in (a, b, a, b):
            publish(config, store_spec)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not failures, failures
    mixed = [s for s in seen if s not in (old, new)]
    assert not mixed, f"{len(mixed)} of {len(seen)} reads saw a half-switched catalogue: {mixed[:3]}"
    assert {old, new} <= set(seen), f"the readers did not see both builds in {len(seen)} reads"


def test_publish_command_reports_and_fails_clearly(store_spec, config):
    runner = CliRunner()
    env = {"ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir), "ISOKO_BASE_IRI": config.base_iri}
    nothing = runner.invoke(main, ["publish", "--to", store_spec], env=env)
    assert nothing.exit_code == 1 and "no catalogue has been built" in nothing.output
    build(config)
    done = runner.invoke(main, ["publish", "--to", store_spec], env=env)
    assert done.exit_code == 0, done.output
    assert "published" in done.output and "switch" in done.output

    unreachable = f"http://127.0.0.1:{free_port()}/isoko"
    down = runner.invoke(main, ["publish", "--to", unreachable], env=env)
    assert down.exit_code == 1
    assert "publish failed" in down.output and "cannot be reached" in down.output
    assert "still serves what it served before" in down.output
    bad = runner.invoke(main, ["publish", "--to", "ftp://nowhere"], env=env)
    assert bad.exit_code == 1 and "URL" in bad.output
    assert runner.invoke(main, ["publish"], env=env).exit_code == 2  # --to is required


def test_store_going_down_is_503(tmp_path):
    config = Config(data_dir=tmp_path / "data", var_dir=tmp_path / "var")
    shutil.copytree(FIXTURE, config.data_dir)
    build(config)
    store = running_store("oxigraph", tmp_path / "store")
    spec = store.__enter__()
    try:
        publish_to(config, spec)
        with running_server(dataclasses.replace(config, store_url=spec)) as url:
            query = url + "/sparql?query=" + urllib.request.quote(PROCEDURES)
            assert urllib.request.urlopen(query, timeout=30).status == 200
            store.__exit__(None, None, None)
            store = None
            for address in (query, url + "/"):  # build info still cached, then read again: 503 both
                with pytest.raises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(address, timeout=30)
                assert caught.value.code == 503, caught.value.read()
                assert caught.value.headers["Retry-After"]
    finally:
        if store is not None:
            store.__exit__(None, None, None)


def test_fuseki_production_configuration(tmp_path):
    """deploy/fuseki/isoko.ttl as documented: everyone authenticates, `reader` only reads,
    `publisher` publishes; the location is the only change."""
    production = (ROOT / "deploy" / "fuseki" / "isoko.ttl").read_text(encoding="utf-8")
    assert 'tdb2:location "var/fuseki/isoko"' in production
    configuration = tmp_path / "isoko.ttl"
    configuration.write_text(production.replace('"var/fuseki/isoko"', f'"{tmp_path / "tdb2"}"'))
    passwords = tmp_path / "passwd"
    passwords.write_text("reader: r34d\npublisher: pub1ish\n")
    config = Config(data_dir=tmp_path / "data", var_dir=tmp_path / "var")
    shutil.copytree(FIXTURE, config.data_dir)
    build(config)
    arguments = ["--config", str(configuration), "--", f"--passwd={passwords}", "--auth=basic"]
    with running_store("fuseki", fuseki_args=arguments) as spec:
        with_user = lambda user, password: spec.replace("http://", f"http://{user}:{password}@")  # noqa: E731
        with pytest.raises(RuntimeError, match="401"):
            publish_to(config, spec)
        with pytest.raises(RuntimeError, match="403"):
            publish_to(config, with_user("reader", "r34d"))
        publish_to(config, with_user("publisher", "pub1ish"))
        reader = RemoteStore(with_user("reader", "r34d"))
        assert reader.select(PROCEDURES)[0]["n"].value == "2"
        with running_server(dataclasses.replace(config, store_url=with_user("reader", "r34d"))) as url:
            body = urllib.request.urlopen(url + "/sparql?query=" + urllib.request.quote(PROCEDURES),
                                          timeout=30).read()
            assert b'"2"' in body or b">2<" in body


def _all_graphs(remote: RemoteStore) -> list[str]:
    return [r["g"].value for r in remote.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")]


def test_sigkill_at_many_points_of_a_publish(store_spec, tmp_path):
    """A publish killed anywhere leaves the last good build served whole; the next one cleans up."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    a, b = two_builds(tmp_path)
    remote = RemoteStore.from_spec(store_spec)
    publish(a, store_spec)
    good = snapshot(remote, a.base_iri)
    publish(b, store_spec)
    other = snapshot(remote, b.base_iri)
    publish(a, store_spec)
    isoko = str(Path(sys.executable).with_name("isoko"))
    env = {**os.environ, "ISOKO_DATA": str(b.data_dir), "ISOKO_VAR": str(b.var_dir)}
    started = time.perf_counter()
    subprocess.run([isoko, "publish", "--to", store_spec], env=env, check=True, capture_output=True)
    duration = time.perf_counter() - started
    publish(a, store_spec)
    for point in range(6):
        process = subprocess.Popen([isoko, "publish", "--to", store_spec], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (point + 0.5) / 6)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert snapshot(remote, a.base_iri) in (good, other)
        publish(a, store_spec)  # back to a known state; drops what the killed publish staged
        assert snapshot(remote, a.base_iri) == good
    assert not [g for g in _all_graphs(remote) if g.startswith(STAGING_PREFIX)]
