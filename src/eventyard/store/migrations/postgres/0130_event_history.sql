-- Recent events per event bus, for the console's live tail and event pages: written in
-- the unit of work that accepts them (PutEvents, bus targets, replays, schedules) when
-- the server keeps a history (--event-history N), trimmed to the newest N per bus by a
-- background job. matched: JSON list of the names of the rules the event matched.
CREATE TABLE event_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bus_arn     TEXT COLLATE "C" NOT NULL,
    accepted_at BIGINT NOT NULL,  -- epoch ms
    event_id    TEXT NOT NULL,
    matched     TEXT NOT NULL,
    event       TEXT NOT NULL
);
CREATE INDEX event_history_by_bus ON event_history (bus_arn, id);
CREATE INDEX event_history_by_event_id ON event_history (event_id);  -- the console's search
