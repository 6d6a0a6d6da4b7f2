"""What /sparql reads in a query's text without evaluating it: SERVICE clauses and the final LIMIT.

Nothing here parses SPARQL for real or runs a query: the engine behind the endpoint (the oxigraph
sidecar, or the remote store) is the only parser, and it runs under the endpoint's timeout. A
guess made here that the engine rejects costs one quick 400 and a second try with the query as
sent (executor.py), never a wrong answer.
"""

from __future__ import annotations

import re

# What can hide a keyword without being it: strings, IRIs (no spaces in them, unlike
# "?a < 1 && ?b > 2"), comments, and names such as ?service, ex:service or service:x.
_NOT_KEYWORDS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                           r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_SERVICE = re.compile(r"(?<![\w?$:.-])SERVICE(?![\w:.-])", re.IGNORECASE)
# The top-level solution modifiers come last in a query (a sub-query's are inside braces), so a
# text that ends with LIMIT n (and OFFSET m, in either order) ends with the query's own LIMIT.
_FINAL_LIMIT = re.compile(r"(?<![\w?$:.-])LIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?\s*$"
                          r"|(?<![\w?$:.-])OFFSET\s+\d+\s+LIMIT\s+(\d+)\s*$", re.IGNORECASE)


def _blanked(query: str) -> str:
    """The query with strings, IRIs and comments turned into spaces: same length, same positions."""
    return _NOT_KEYWORDS.sub(lambda match: " " * len(match.group()), query)


def calls_service(query: str) -> bool:
    """True when the query has a SERVICE clause. The public endpoint makes no requests to other
    servers on a caller's behalf (a door into the network it runs in), whatever the store allows."""
    return bool(_SERVICE.search(_blanked(query)))


def with_limit(query: str, limit: int) -> tuple[str, bool]:
    """The query to send so that at most `limit` rows come back, and whether that text differs
    from the query: its own final LIMIT lowered to `limit`, else `LIMIT limit` appended. The
    engine may reject the result (an ASK with VALUES after it, a malformed query): then the
    caller sends the query as it came."""
    final = _FINAL_LIMIT.search(_blanked(query))
    if final is None:
        return f"{query}\nLIMIT {limit}", True
    group = 1 if final.group(1) is not None else 2
    if int(final.group(group)) <= limit:
        return query, False
    start, end = final.span(group)
    return f"{query[:start]}{limit}{query[end:]}", True
