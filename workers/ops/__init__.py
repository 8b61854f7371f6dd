"""Operations: Prometheus metrics, the HTTP endpoint and its probes, progress watching,
logs, memory, worker processes. Imports neither the streaming shell nor the commands."""
