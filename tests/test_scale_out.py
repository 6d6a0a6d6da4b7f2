"""Scale-out (benchmarks/README.md): a build folder is an immutable snapshot that any number of
stateless read nodes serve. Two real `isoko serve` processes, each with its own copy of the same
build, answer alike; a new build copied to one of them does not disturb the other."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

from loaders.build import build, current_build
from tests.conftest import write
from tests.server import running_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> }"


def deploy(build_folder: Path, node_var: Path) -> None:
    """What a deploy does on a read node (see benchmarks/README.md): copy the folder, then switch
    the node's var/current with one rename. The node keeps serving throughout."""
    (node_var / "builds").mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(build_folder), str(node_var / "builds" / f".{build_folder.name}")], check=True)
    subprocess.run(["mv", "-T", str(node_var / "builds" / f".{build_folder.name}"),
                    str(node_var / "builds" / build_folder.name)], check=True)
    subprocess.run(["ln", "-sfn", f"builds/{build_folder.name}", str(node_var / ".current-new")], check=True)
    subprocess.run(["mv", "-T", str(node_var / ".current-new"), str(node_var / "current")], check=True)


def count(url: str) -> int:
    request = urllib.request.Request(url + "/sparql?query=" + urllib.parse.quote(COUNT),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return int(json.loads(answer.read())["results"]["bindings"][0]["n"]["value"])


def test_two_read_nodes_serve_copies_of_one_build(built, tmp_path):
    first = current_build(built)
    nodes = [dataclasses.replace(built, var_dir=tmp_path / f"node-{n}" / "var") for n in (1, 2)]
    for node in nodes:
        deploy(first, node.var_dir)
    with running_server(nodes[0]) as one, running_server(nodes[1]) as two:
        assert count(one) == count(two) == 2
        page = "/id/procedure/passport"
        for url in (one, two):
            with urllib.request.urlopen(url + page, timeout=30) as answer:
                assert answer.status == 200

        # a new build, made elsewhere (here: the builder's var/), reaches node 1 only
        write(built, "procedure/third.yaml", (built.data_dir / "procedure/passport.yaml").read_text())
        build(built)
        second = current_build(built)
        assert second != first
        deploy(second, nodes[0].var_dir)
        assert count(one) == 3  # switched without a restart
        assert count(two) == 2  # untouched, still serving its own copy
        with urllib.request.urlopen(two + page, timeout=30) as answer:
            assert answer.status == 200
        # both builds are complete, self-contained folders: nothing points outside a node
        for node in nodes:
            for link in node.var_dir.rglob("*"):
                if link.is_symlink():
                    assert (link.parent / link.readlink()).resolve().is_relative_to(node.var_dir.resolve())
