{{/* Names and labels, as `helm create` spells them. */}}
{{- define "portico.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "portico.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "portico.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portico.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "portico.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "portico.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "portico.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "portico.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "portico.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The SQLite claim's name, whether the chart creates it or not. */}}
{{- define "portico.claimName" -}}
{{- default (printf "%s-data" (include "portico.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/*
portico.validate refuses values that cannot work, with the fix in the message.
SQLite is one process on one volume: several replicas need PostgreSQL.
*/}}
{{- define "portico.validate" -}}
{{- $replicas := int .Values.replicas }}
{{- if and (gt $replicas 1) (not .Values.postgresql.existingSecret) }}
{{- fail (printf "replicas: %d needs PostgreSQL: SQLite is one process only (one file on one ReadWriteOnce volume). Set postgresql.existingSecret to a Secret holding a postgres:// URL, or set replicas: 1." $replicas) }}
{{- end }}
{{- if lt $replicas 0 }}
{{- fail (printf "replicas: %d must be 0 or more" $replicas) }}
{{- end }}
{{- if and .Values.postgresql.existingSecret (not .Values.postgresql.secretKey) }}
{{- fail "postgresql.secretKey must name the key of the connection URL in postgresql.existingSecret" }}
{{- end }}
{{- $backend := default dict .Values.appConfig.backend }}
{{- if hasKey $backend "database" }}
{{- fail "appConfig.backend.database is set by the chart: use postgresql.existingSecret for PostgreSQL, or leave it out for SQLite on /data" }}
{{- end }}
{{- if hasKey $backend "listen" }}
{{- fail "appConfig.backend.listen is set by the chart (0.0.0.0:7007, where the probes and the Service look): leave it out" }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (ne (empty .Values.serviceMonitor.bearerTokenSecret.name) (empty .Values.serviceMonitor.bearerTokenSecret.key)) }}
{{- fail "serviceMonitor.bearerTokenSecret needs both name and key" }}
{{- end }}
{{- end }}

{{/* portico.sqlite is "true" when the database is SQLite. */}}
{{- define "portico.sqlite" -}}
{{- if not .Values.postgresql.existingSecret }}true{{ end }}
{{- end }}
