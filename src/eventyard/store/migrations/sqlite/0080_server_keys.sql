-- Keys the server itself holds, one row per purpose ("sts": session tokens and encoded
-- authorization messages). Made once by whichever node needs one first; every node of
-- the store reads the same row, so what one node seals another opens.
CREATE TABLE server_keys (
    purpose       TEXT PRIMARY KEY,
    key_material  TEXT NOT NULL,     -- base64 of the raw key
    created_ms    INTEGER NOT NULL
);
