"""Running partnerbot as a service: readiness, Prometheus metrics, JSON logs, graceful stop."""
