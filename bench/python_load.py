"""One training process of many for bench/load.ts: MLflow's Python client logging `points`
points into its own run with `MlflowClient.log_batch`, 1,000 a request (as a team would).

Usage: python_load.py <tracking_uri> <experiment_id> <run_name> <points>
Prints DONE when the run ended; exits 1 with FAILED <error> otherwise.
"""
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric

uri, experiment_id, run_name, points = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
try:
    client = MlflowClient(uri)
    run = client.create_run(experiment_id, run_name=run_name)
    run_id = run.info.run_id
    for start in range(0, points, 1000):
        now = int(time.time() * 1000)
        metrics = [Metric("loss", 1.0 / (i + 1), now, i) for i in range(start, min(points, start + 1000))]
        client.log_batch(run_id, metrics=metrics)
    client.set_terminated(run_id)
except Exception as e:  # noqa: BLE001 - the bench counts failures
    print(f"FAILED {type(e).__name__}: {str(e)[:300]}")
    sys.exit(1)
print("DONE")
