"""The analyst workbench's computations (issue 7), one module per analysis, none of them Flask's:

    prerequisites   the prerequisite tree of a procedure                  prerequisite-tree.rq
    true_cost       true cost and time along a procedure's prerequisites  true-cost-and-time.rq
    dependency_map  cross-ministry dependency edges and their SVG layout  dependency-map.rq
    once_only       documents carried between institutions                once-only.rq
    quality         the data-quality dashboard per institution            procedure-completeness.rq,
                                                                          data-quality-by-institution.rq
    graph           the catalogue as the tree and the costs read it (the rows of the first two queries)
    common          query text by name and its parameters, plain rows, durations, CSV cells

Each module names its documented query and takes a store (`store.select`, so the embedded build,
its sidecar or a remote store give the same rows); the pages (browser_ui/workbench.py), their CSV
downloads and tools/workbench_figures.py call the same functions. The queries stay in
sparql_endpoint/queries/, one copy, because they are also the endpoint's published examples. The
rules of the computations are in the modules' docstrings and on /analysis.
"""
