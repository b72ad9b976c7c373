"""The Python mlflow client against a real mlflow server, for bench/run.ts.

Usage: python_clients.py <tracking_uri> <async_points> <sync_points>
Prints one JSON line: seconds for `log_metric(synchronous=False)` of async_points (flushed),
and for plain `log_metric` of sync_points, each in its own run.
"""
import json
import sys
import time

import mlflow

uri, n_async, n_sync = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mlflow.set_tracking_uri(uri)
mlflow.set_experiment("bench-python")
out = {}
with mlflow.start_run(run_name="python-async"):
    t0 = time.perf_counter()
    for i in range(n_async):
        mlflow.log_metric("loss", 1.0 / (i + 1), step=i, synchronous=False)
    mlflow.flush_async_logging()
    out["async_seconds"] = time.perf_counter() - t0
with mlflow.start_run(run_name="python-sync"):
    t0 = time.perf_counter()
    for i in range(n_sync):
        mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
    out["sync_seconds"] = time.perf_counter() - t0
print(json.dumps(out))
