"""MLflow's own FileStore reading the store bench/store_reads.ts made: the same reads, timed
in-process (import time left out). Prints JSON {get_run_ms, get_metric_history_ms, search_runs_ms}
(medians), and what it read, so the bench can check both read the same."""
import json
import os
import sys
import time

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
from mlflow.store.tracking.file_store import FileStore  # noqa: E402

root, run_id, key, experiment_id, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])


def timed(fn):
    times, out = [], None
    for _ in range(reps):
        store = FileStore(root)  # nothing cached between repetitions
        t0 = time.perf_counter()
        out = fn(store)
        times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2], out


run_ms, run = timed(lambda s: s.get_run(run_id))
history_ms, history = timed(lambda s: s.get_metric_history(run_id, key))
search_ms, found = timed(lambda s: s.search_runs([experiment_id], None, 1, max_results=50000))
print(json.dumps({
    "get_run_ms": run_ms,
    "get_metric_history_ms": history_ms,
    "search_runs_ms": search_ms,
    "latest": run.data.metrics[key],
    "points": len(history),
    "runs": len(found),
}))
