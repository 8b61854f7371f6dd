"""The streaming shell: everything that speaks Faust or Kafka inside the worker (the app
and its consumer, the agents, the assignor, the bucket store, batched delivery, broker
client settings, the live watchlist). May import `workers.pipeline` and `workers.ops`."""
