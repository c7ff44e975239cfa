{{/*
The image to run, as `repository:tag@digest`. Called with a dict: `image` (an image map of
values.yaml) and `root` (the top-level context).

A BOM given with `-f` (`releases/<env>.yaml`, or a snapshot of it) pins images under
`images.<entry>` as `{ image, tag, digest }`, and `image.bomEntry` names this image's entry.
Values that come with a BOM (they have `environment:`) must pin it: a BOM without the entry
fails the render instead of deploying the default. Without a BOM (`helm lint`, `helm template`
with no `-f`) the image map of values.yaml is used, an empty tag meaning the chart's
appVersion.
*/}}
{{- define "data-platform.image" -}}
{{- $root := .root -}}
{{- $entry := .image.bomEntry | default "" -}}
{{- $pins := $root.Values.images | default dict -}}
{{- if and $entry (hasKey $pins $entry) -}}
{{- $pin := index $pins $entry -}}
{{- required (printf "images.%s has no `image`" $entry) $pin.image -}}
{{- with $pin.tag }}:{{ . }}{{ end -}}
{{- with $pin.digest }}@{{ . }}{{ end -}}
{{- else if $root.Values.environment -}}
{{- fail (printf "the BOM of `%s` pins no image `images.%s`; pin it with `release-action bom`" (toString $root.Values.environment) $entry) -}}
{{- else -}}
{{- .image.repository -}}:{{ .image.tag | default $root.Chart.AppVersion -}}
{{- with .image.digest }}@{{ . }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
The experiment of a snapshot (`experiment:`), one environment variable per parameter:
`canary-weight: 10` becomes `EXPERIMENT_CANARY_WEIGHT=10`.
*/}}
{{- define "data-platform.experimentEnv" -}}
{{- range $key, $value := .Values.experiment }}
- name: {{ printf "EXPERIMENT_%s" (regexReplaceAll "[^A-Z0-9_]" (upper $key) "_") }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end -}}

{{/*
Pod annotations that say what was deployed: the environment, the snapshot id and the
experiment. A new snapshot or parameter changes the pod template, so the pods roll.
*/}}
{{- define "data-platform.podAnnotations" -}}
{{- with .Values.environment }}
release-action/environment: {{ toString . | quote }}
{{- end }}
{{- with .Values.snapshot }}
release-action/snapshot: {{ toString . | quote }}
{{- end }}
{{- with .Values.experiment }}
release-action/experiment: {{ toJson . | quote }}
{{- end }}
{{- end -}}

{{/*
Replicas: the experiment parameter `<chart>-replicas` (e.g. `data-platform-replicas=3`) when
the snapshot sets it, else `default`. Called with a dict: `root` and `default`.
*/}}
{{- define "data-platform.replicas" -}}
{{- $experiment := .root.Values.experiment | default dict -}}
{{- index $experiment (printf "%s-replicas" .root.Chart.Name) | default .default | int -}}
{{- end -}}

{{/*
Labels of every object: the chart and version that rendered it, and the selector labels.
*/}}
{{- define "data-platform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 }}
{{ include "data-platform.selectorLabels" . }}
{{- end -}}

{{- define "data-platform.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
