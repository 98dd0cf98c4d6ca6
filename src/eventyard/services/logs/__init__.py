"""Amazon CloudWatch Logs: log groups, streams and events (``service``), the sink other
services write their logs through (``sink``), and the seam's types (``types``)."""
