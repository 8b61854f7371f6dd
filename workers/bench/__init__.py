"""Benchmarks: the generated wire corpus and pure-stage speeds (`stages`), the load
benchmark on a broker (`load`) against a do-nothing Faust agent (`passthrough`)."""
