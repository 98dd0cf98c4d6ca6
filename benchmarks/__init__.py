"""Side-by-side benchmarks of eventyard and its peers; see README.md."""
