"""Operating the service: Prometheus metrics (``/metrics``) and OpenTelemetry traces, instrumented at the edges (the
``/Events`` endpoint, the SDK pipeline, the state store) so the layers in between stay unaware of them."""
