"""The on-disk store's loader (loaders/build.py): the in-memory store's N-Quads and the versions given
at the end go into one bulk load, read from a pipe; a failed load is reported, never hangs."""

import threading

import pyoxigraph as ox
import pytest

from loaders.build import _StoreLoader

G = "<https://data.isoko.bi/graph/test>"
VERSIONS = "<https://data.isoko.bi/graph/versions>"


def n_quads(count: int, graph: str = G) -> bytes:
    return "".join(f'<https://data.isoko.bi/id/s{n}> <https://data.isoko.bi/p> "{n}" {graph} .\n'
                   for n in range(count)).encode()


def within(seconds: float, call) -> None:
    """Run `call` in a thread; fail if it has not returned (a hang) within `seconds`."""
    errors: list[BaseException] = []

    def run():
        try:
            call()
        except BaseException as err:  # noqa: BLE001 (handed to the test)
            errors.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the loader hangs"
    if errors:
        raise errors[0]


def no_loader_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name in ("store-loader", "store-input")]


def test_the_data_and_the_versions_go_into_one_store(tmp_path):
    description = [ox.Quad(ox.NamedNode("https://data.isoko.bi/dataset"), ox.NamedNode("https://data.isoko.bi/p"),
                           ox.Literal("d"), ox.NamedNode("https://data.isoko.bi/graph/metadata"))]
    loader = _StoreLoader(tmp_path / "store", n_quads(200_000))  # more than the pipe holds at once
    loader.end(n_quads(300, VERSIONS))
    within(60, lambda: loader.finish(description))
    store = ox.Store.read_only(str(tmp_path / "store"))
    assert len(store) == 200_000 + 300 + 1
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(VERSIONS[1:-1]))) == \
        set(ox.parse(n_quads(300, VERSIONS), format=ox.RdfFormat.N_QUADS))
    assert no_loader_threads()


def test_a_failed_load_is_reported_and_nothing_hangs(tmp_path):
    loader = _StoreLoader(tmp_path / "store", n_quads(100_000) + b"not N-Quads\n" + n_quads(100_000))
    loader.end(n_quads(10, VERSIONS))  # written, or refused by the closed pipe
    with pytest.raises(SyntaxError):
        within(60, lambda: loader.finish([]))
    assert no_loader_threads()


def test_closing_before_the_end_ends_the_input(tmp_path):
    """A failure in the history stage: close() ends the input and waits for the load."""
    loader = _StoreLoader(tmp_path / "store", n_quads(1000))
    within(60, loader.close)
    assert no_loader_threads()


def test_no_versions(tmp_path):
    """History off: nothing more at the end."""
    loader = _StoreLoader(tmp_path / "store", n_quads(1000))
    loader.end(b"")
    within(60, lambda: loader.finish([]))
    assert len(ox.Store.read_only(str(tmp_path / "store"))) == 1000
