"""EventBridge event patterns: parse and validate, evaluate, compile many into one matcher."""
