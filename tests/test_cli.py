"""The `isoko` command line: build, validate, query."""

import json

import pytest
from click.testing import CliRunner

from isoko.cli import main
from tests.conftest import write


@pytest.fixture
def run(config):
    env = {"ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir),
           "ISOKO_BASE_IRI": config.base_iri}

    def invoke(*args):
        return CliRunner().invoke(main, list(args), env=env)
    return invoke


def test_build_reports_counts_and_stages(run):
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "2 procedures" in result.output
    for stage in ("parse", "validate", "load", "index"):
        assert stage in result.output


def test_build_failure_exits_non_zero_with_file_line(run, config):
    write(config, "procedure/passport.yaml", "title: {fr: A, en: B}\nautority: x\n")
    result = run("build")
    assert result.exit_code == 1
    assert "data/procedure/passport.yaml:2: unknown key `autority`" in result.output
    assert "served catalogue is unchanged" in result.output


def test_validate_ok_and_failing(run, config):
    assert run("validate").exit_code == 0
    write(config, "document/passport.yaml", "title: {fr: P}\ntype: doctype:nothing\n")
    result = run("validate", str(config.data_dir / "document/passport.yaml"))
    assert result.exit_code == 1
    assert "document/passport.yaml:2" in result.output and "document types" in result.output


def test_query_formats(run):
    run("build")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"
    table = run("query", count)
    assert table.exit_code == 0 and table.output.splitlines()[2].strip() == "2" and "(1 row)" in table.output
    data = json.loads(run("query", count, "--format", "json").output)
    assert data["results"]["bindings"][0]["n"]["value"] == "2"
    assert run("query", count, "--format", "csv").output.splitlines() == ["n", "2"]
    turtle = run("query", "CONSTRUCT WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }", "--format", "ttl")
    assert turtle.exit_code == 0 and "procedure/passport" in turtle.output


def test_query_errors_are_clear(run):
    assert "no catalogue has been built" in run("query", "ASK {}").output
    run("build")
    result = run("query", "SELECT WHERE {")
    assert result.exit_code == 1 and "malformed query" in result.output


def test_build_reads_again_only_what_changed_unless_full(run, config):
    assert run("build").exit_code == 0
    path = next((config.data_dir / "procedure").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "# retitled\ntitle:", 1), encoding="utf-8")
    incremental = run("build")
    assert incremental.exit_code == 0, incremental.output
    assert "patch" in incremental.output  # the served build patched with the changed source
    full = run("build", "--full")
    assert full.exit_code == 0, full.output
    assert "patch" not in full.output and "2 procedures" in full.output
