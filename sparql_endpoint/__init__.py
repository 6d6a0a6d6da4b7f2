"""SPARQL endpoint: store backends behind one small interface, and the SPARQL protocol blueprint."""
