"""Pure, synchronous, Kafka-free stages. Nothing here imports faust or prometheus_client."""
