{{- define "tokensim.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tokensim.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tokensim.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tokensim.labels" -}}
helm.sh/chart: {{ include "tokensim.chart" . }}
{{ include "tokensim.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tokensim
{{- end }}

{{- define "tokensim.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tokensim.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tokensim.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tokensim.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tokensim.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "tokensim.secretName" -}}
{{- printf "%s-secrets" (include "tokensim.fullname" .) }}
{{- end }}

{{/* Combinations the server refuses or that cannot work, refused at install time with the reason. */}}
{{- define "tokensim.validate" -}}
{{- $redis := eq .Values.cluster.provider "redis" }}
{{- if and (not $redis) (gt (int .Values.silo.replicas) 1) }}
{{- fail "silo.replicas > 1 needs cluster.provider: redis (localhost clustering holds one silo)" }}
{{- end }}
{{- if and (not $redis) (eq .Values.shape "separate") }}
{{- fail "shape: separate needs cluster.provider: redis (front ends find the silos in the membership table)" }}
{{- end }}
{{- if and $redis (not (or .Values.cluster.redis.connectionString .Values.cluster.redis.existingSecret)) }}
{{- fail "cluster.provider: redis needs cluster.redis.connectionString or cluster.redis.existingSecret" }}
{{- end }}
{{- if and (eq .Values.grainStorage.provider "redis") (not (or .Values.grainStorage.redis.connectionString .Values.grainStorage.redis.existingSecret)) }}
{{- fail "grainStorage.provider: redis needs grainStorage.redis.connectionString or grainStorage.redis.existingSecret" }}
{{- end }}
{{- if and .Values.twin.sourcesFile (not (hasKey .Values.configFiles .Values.twin.sourcesFile)) }}
{{- fail (printf "twin.sourcesFile %q is not a key of configFiles (the files mounted at /etc/tokensim)" .Values.twin.sourcesFile) }}
{{- end }}
{{- if and .Values.twin.proxy (not .Values.twin.sourcesFile) }}
{{- fail "twin.proxy needs twin.sourcesFile: the gateway fronts the sources file's openai URLs" }}
{{- end }}
{{- end }}

{{/* A variable from an inline value (kept in the chart's Secret) or from an existing Secret. */}}
{{- define "tokensim.secretEnv" -}}
{{- $ := index . 0 }}{{- $name := index . 1 }}{{- $value := index . 2 }}{{- $existing := index . 3 }}{{- $existingKey := index . 4 }}{{- $key := index . 5 }}
{{- if $existing }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef: {name: {{ $existing | quote }}, key: {{ $existingKey | quote }}}
{{- else if $value }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef: {name: {{ include "tokensim.secretName" $ | quote }}, key: {{ $key | quote }}}
{{- end }}
{{- end }}

{{/*
Settings of every TokenSim.Server process (TOKENSIM_* variables of src/TokenSim.Server/Extensions/*Settings.cs):
ports, listen address, membership, lateness, key, logs, telemetry. The role comes from the caller.
*/}}
{{- define "tokensim.commonEnv" -}}
- name: TOKENSIM_GRPC_PORT
  value: {{ .Values.ports.grpc | quote }}
- name: TOKENSIM_METRICS_PORT
  value: {{ .Values.ports.http | quote }}
- name: TOKENSIM_SILO_PORT
  value: {{ .Values.ports.silo | quote }}
- name: TOKENSIM_GATEWAY_PORT
  value: {{ .Values.ports.gateway | quote }}
- name: TOKENSIM_BIND
  value: "0.0.0.0"
- name: TOKENSIM_CLUSTER_ID
  value: {{ .Values.cluster.clusterId | quote }}
- name: TOKENSIM_SERVICE_ID
  value: {{ .Values.cluster.serviceId | quote }}
{{- if eq .Values.cluster.provider "redis" }}
{{- include "tokensim.secretEnv" (list . "TOKENSIM_CLUSTER_REDIS" .Values.cluster.redis.connectionString .Values.cluster.redis.existingSecret .Values.cluster.redis.existingSecretKey "cluster-redis") }}
{{- end }}
- name: TOKENSIM_LATENESS
  value: {{ .Values.twin.latenessSeconds | quote }}
{{- include "tokensim.secretEnv" (list . "TOKENSIM_API_KEY" .Values.twin.apiKey .Values.twin.apiKeyExistingSecret .Values.twin.apiKeyExistingSecretKey "api-key") }}
- name: TOKENSIM_LOG_FORMAT
  value: {{ .Values.twin.logFormat | quote }}
{{- with .Values.twin.dashboardPath }}
- name: TOKENSIM_DASHBOARD
  value: {{ . | quote }}
{{- end }}
{{- with .Values.twin.otlpExportEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with .Values.twin.sourcesFile }}
- name: TOKENSIM_SOURCES
  value: {{ printf "/etc/tokensim/%s" . | quote }}
{{- end }}
{{- if .Values.twin.proxy }}
- name: TOKENSIM_PROXY
  value: "true"
- name: TOKENSIM_PROXY_PORT
  value: {{ .Values.ports.proxy | quote }}
{{- end }}
- name: TOKENSIM_FORECAST_INTERVAL
  value: {{ .Values.twin.forecast.intervalSeconds | quote }}
- name: TOKENSIM_FORECAST_SCORE_INTERVAL
  value: {{ .Values.twin.forecast.scoreIntervalSeconds | quote }}
- name: TOKENSIM_FORECAST_SCORE_BUDGET
  value: {{ .Values.twin.forecast.scoreBudget | quote }}
{{- end }}

{{- define "tokensim.probes" -}}
startupProbe:
  grpc: {port: {{ .Values.ports.grpc }}}
  {{- toYaml .Values.probes.startup | nindent 2 }}
livenessProbe:
  grpc: {port: {{ .Values.ports.grpc }}}
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  grpc: {port: {{ .Values.ports.grpc }}}
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}
