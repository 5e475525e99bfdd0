{{/* Names: the release's full name, and one per component. */}}
{{- define "unicron.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "unicron.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "unicron.secretName" -}}
{{- default (include "unicron.fullname" .) .Values.secret.name -}}
{{- end -}}

{{- define "unicron.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "unicron.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels. Call the component ones with (dict "root" $ "component" "api"). */}}
{{- define "unicron.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: unicron
{{ include "unicron.selectorLabels" . }}
{{- end -}}

{{- define "unicron.selectorLabels" -}}
app.kubernetes.io/name: {{ include "unicron.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* An image: (dict "root" $ "repository" "unicron-api" "tag" ""). */}}
{{- define "unicron.image" -}}
{{- $tag := .tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .repository $tag -}}
{{- end -}}
{{- end -}}

{{/* What every Unicron pod shares: no API token, non-root, the default seccomp profile. */}}
{{- define "unicron.podSpec" -}}
serviceAccountName: {{ include "unicron.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "unicron.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "unicron.envFrom" -}}
- configMapRef:
    name: {{ include "unicron.fullname" . }}
- secretRef:
    name: {{ include "unicron.secretName" . }}
{{- end -}}

{{/* Rolls the pods when the settings (or a Secret this chart makes) change. */}}
{{- define "unicron.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if .Values.secret.create }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress to Redis (or to Sentinel and the servers it names) and to DNS. */}}
{{- define "unicron.redisEgress" -}}
{{- $redis := .Values.redis -}}
{{- if eq $redis.mode "bundled" }}
- to:
    - podSelector:
        matchLabels:
          {{- include "unicron.selectorLabels" (dict "root" . "component" "redis") | nindent 10 }}
  ports:
    - port: 6379
      protocol: TCP
{{- else if eq $redis.mode "external" }}
- ports:
    - port: {{ $redis.external.port }}
      protocol: TCP
{{- else }}
- ports:
    - port: {{ $redis.sentinel.redisPort }}
      protocol: TCP
    {{- $ports := list }}
    {{- range $redis.sentinel.sentinels }}
    {{- $ports = append $ports (int (last (splitList ":" .))) }}
    {{- end }}
    {{- range ($ports | uniq) }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}
