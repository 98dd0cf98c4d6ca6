"""Function workers: local processes that run Lambda handlers through the Lambda Runtime
API. The functions service decides *whether* and *what* to invoke (limits, versions,
concurrency, retries); this package only runs code (``types.FunctionRunner``)."""
