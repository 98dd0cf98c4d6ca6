"""Pure logic with no I/O: identities, ARNs, ids, clocks, errors, patterns."""
