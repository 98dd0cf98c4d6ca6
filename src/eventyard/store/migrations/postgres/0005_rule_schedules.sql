-- Scheduled rules: when each fires next (epoch ms). The firing of a tick and the move to
-- the next one commit together, so each tick fires once whatever the number of nodes.
ALTER TABLE event_rules ADD COLUMN next_fire_at BIGINT;
CREATE INDEX event_rules_next_fire ON event_rules (next_fire_at) WHERE next_fire_at IS NOT NULL;
