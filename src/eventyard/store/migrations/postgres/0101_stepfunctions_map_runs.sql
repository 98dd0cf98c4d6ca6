-- Step Functions map runs (a distributed Map's child executions): what the run is, its
-- items and its children's results, as one JSON document changed under the row's lock.
-- The children are ordinary sfn_executions rows whose machine_arn is the map run's ARN.
CREATE TABLE sfn_map_runs (
    arn             TEXT PRIMARY KEY,
    execution_arn   TEXT NOT NULL,
    body            TEXT NOT NULL,
    start_date      BIGINT NOT NULL
);
CREATE INDEX sfn_map_runs_execution ON sfn_map_runs (execution_arn, start_date);
