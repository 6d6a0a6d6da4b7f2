"""Browser UI: a Flask blueprint of server-rendered, JavaScript-free pages over the served build."""
