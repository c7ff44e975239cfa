"""Helm renders charts with value files, for tests/helm_render.rs.

Reads a JSON list of jobs on stdin, each `{"id", "chart", "values": [paths], "set_string":
[expressions], "release", "namespace"}`, and prints one JSON object keyed by job id:
`{"manifests": {template: text}, "lint": [messages]}` or `{"error": text}`.

Values are composed as `helm upgrade --install RELEASE CHART -f A -f B --set-string X` composes
them: every file is read with Helm's own YAML reader (`values_from_yaml`, YAML 1.1 as Helm reads
it), the files are merged in order with the rule of Helm's `mergeMaps` (a mapping merges into a
mapping key by key, anything else replaces), each `--set-string` expression is parsed by Helm
(`parse_set_string_values`) and merged on top, and Helm coalesces the result with the chart's
values.yaml when it renders. `lint` holds what `helm lint` reports with the same values, at
warning level and above.
"""
import json
import sys

import helm_python

if hasattr(helm_python, "disable_logging"):
    helm_python.disable_logging()


def merge_maps(a, b):
    """Helm's `mergeMaps` (pkg/cli/values/options.go): `b` over `a`."""
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_maps(out[k], v)
        else:
            out[k] = v
    return out


out = {}
for job in json.load(sys.stdin):
    try:
        values = {}
        for path in job["values"]:
            with open(path, encoding="utf-8") as f:
                values = merge_maps(values, helm_python.values_from_yaml(f.read()) or {})
        for expression in job.get("set_string", []):
            values = merge_maps(values, helm_python.parse_set_string_values(expression))
        with helm_python.Chart.load(job["chart"]) as chart:
            manifests = chart.render(
                values=values,
                name=job["release"],
                namespace=job["namespace"],
                is_install=True,
            )
        report = helm_python.lint(job["chart"], values, namespace=job["namespace"])
        lint = [
            {"severity": m.get("severity"), "path": m.get("path"), "error": m.get("error")}
            for m in report.get("messages", [])
            if m.get("severity", 0) >= 2
        ]
        out[job["id"]] = {"manifests": manifests, "lint": lint}
    except Exception as e:  # every failure is reported for its job, whatever its class
        out[job["id"]] = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps(out))
