"""Helm's own verdict on chart directories, for tests/helm_parity.rs.

For every directory given, prints (as one JSON object keyed by directory) whether Helm's loader
loads the chart (`helm_python.Chart.load`, the code `helm install` and `helm package` run), the
chart metadata it loaded (`metadata`, the fields of Chart.yaml as Helm sees them), and the errors
`helm lint` reports about Chart.yaml (the checks chart-testing runs on every chart).
"""
import json
import sys

import helm_python

if hasattr(helm_python, "disable_logging"):
    helm_python.disable_logging()

out = {}
for d in sys.argv[1:]:
    verdict = {"loads": True, "lint": []}
    try:
        chart = helm_python.Chart.load(d)
        try:
            verdict["metadata"] = chart.metadata
        except Exception:
            verdict["metadata"] = None
        chart.close()
    except Exception as e:  # every load error is a refusal, whatever its class
        verdict = {"loads": False, "error": f"{type(e).__name__}: {e}", "lint": []}
    try:
        report = helm_python.lint(d)
        verdict["lint"] = [
            m["error"]
            for m in report.get("messages", [])
            if m.get("severity") == 3 and m.get("path") == "Chart.yaml"
        ]
    except Exception as e:
        verdict["lint"] = [f"{type(e).__name__}: {e}"]
    out[d] = verdict
print(json.dumps(out))
