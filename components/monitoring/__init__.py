"""Monitoring as code: Datadog monitors, the dashboard and where alerts go."""
