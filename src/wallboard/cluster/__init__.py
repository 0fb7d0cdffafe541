"""Wallboard beyond one machine (docs/scale-out.md): accounts spread over partitions of a NATS
JetStream stream. Built so far: the partitions and the stream that keeps the events."""
