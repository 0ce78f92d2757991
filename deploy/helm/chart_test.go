package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

func TestChart(t *testing.T) {
	ch := loadChart(t)
	tests := []struct {
		name    string
		values  string
		wantErr string // a `fail` or schema message the rendering must stop with
		check   func(t *testing.T, r *release)
	}{
		{name: "defaults: one replica on SQLite", values: "{}", check: checkSQLite},
		{
			name: "three replicas on PostgreSQL",
			values: `
replicas: 3
postgresql: {existingSecret: portico-db, secretKey: uri}`,
			check: checkPostgres,
		},
		{
			name: "ingress and ServiceMonitor",
			values: `
appConfig:
  app: {title: Our APIs}
  backend: {baseUrl: https://portal.example.com}
ingress:
  enabled: true
  className: nginx
  hosts: [{host: portal.example.com, paths: [{path: /, pathType: Prefix}]}]
  tls: [{secretName: portal-tls, hosts: [portal.example.com]}]
serviceMonitor:
  enabled: true
  labels: {release: prometheus}
  bearerTokenSecret: {name: portico-metrics, key: token}`,
			check: checkIngressAndMonitor,
		},
		{
			name:   "SQLite on an existing claim",
			values: `persistence: {existingClaim: catalog-data}`,
			check: func(t *testing.T, r *release) {
				if len(r.claims) != 0 {
					t.Errorf("rendered %d claims, want none: the existing one is used", len(r.claims))
				}
				if got := volume(t, r.deployments[0], "data").PersistentVolumeClaim; got == nil || got.ClaimName != "catalog-data" {
					t.Errorf("data volume %+v, want claim catalog-data", got)
				}
			},
		},
		{
			name:    "three replicas on SQLite are refused",
			values:  `replicas: 3`,
			wantErr: "replicas: 3 needs PostgreSQL: SQLite is one process only",
		},
		{
			name:    "backend.database in appConfig is refused",
			values:  `appConfig: {backend: {database: {client: pg, connection: postgres://x@db/portico}}}`,
			wantErr: "appConfig.backend.database is set by the chart",
		},
		{
			name:    "a misspelt key is refused by values.schema.json",
			values:  `replica: 3`,
			wantErr: "replica",
		},
		{
			name:    "half a metrics token secret is refused",
			values:  `serviceMonitor: {enabled: true, bearerTokenSecret: {name: portico-metrics}}`,
			wantErr: "serviceMonitor.bearerTokenSecret needs both name and key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := parseValues(t, tt.values)
			r, err := render(t, ch, values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("render error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			lintChart(t, values)
			checkCommon(t, r)
			tt.check(t, r)
		})
	}
}

// checkCommon holds for every value set: one Deployment whose pods the
// Service selects, probes on the named port, non-root with a read-only root,
// every mount backed by a volume, the config mounted and in sync.
func checkCommon(t *testing.T, r *release) {
	t.Helper()
	if len(r.deployments) != 1 || len(r.services) != 1 || len(r.configMaps) != 1 || len(r.serviceAccounts) != 1 {
		t.Fatalf("rendered %d deployments, %d services, %d config maps, %d service accounts; want 1 each",
			len(r.deployments), len(r.services), len(r.configMaps), len(r.serviceAccounts))
	}
	d, svc, cm := r.deployments[0], r.services[0], r.configMaps[0]
	pod := d.Spec.Template
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
		t.Errorf("deployment selector %v does not match its pod labels %v (%v)", d.Spec.Selector, pod.Labels, err)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
		t.Errorf("service selector %v does not select the pods %v", svc.Spec.Selector, pod.Labels)
	}
	c := container(t, d)
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 7007 {
		t.Errorf("container ports %+v, want http 7007", c.Ports)
	}
	if p := svc.Spec.Ports; len(p) != 1 || p[0].TargetPort != intstr.FromString("http") {
		t.Errorf("service ports %+v, want one to target port http", p)
	}
	checkProbes(t, c)
	checkSecurity(t, d, c)
	if got := envValue(c, "PORTICO_LISTEN"); got != "0.0.0.0:7007" {
		t.Errorf("PORTICO_LISTEN = %q, want 0.0.0.0:7007", got)
	}
	if diff := cmp.Diff([]string{"serve", "--config", "/etc/portico/app-config.yaml"}, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	checkMounts(t, d, c)
	if v := volume(t, d, "config").ConfigMap; v == nil || v.Name != cm.Name {
		t.Errorf("config volume %+v, want config map %s", v, cm.Name)
	}
	checkAppConfig(t, r, cm)
	if d.Spec.Template.Spec.ServiceAccountName != r.serviceAccounts[0].Name {
		t.Errorf("pods run as service account %q, the chart renders %q",
			d.Spec.Template.Spec.ServiceAccountName, r.serviceAccounts[0].Name)
	}
}

func checkProbes(t *testing.T, c corev1.Container) {
	t.Helper()
	probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	want := map[string]string{"startup": "/healthz", "liveness": "/healthz", "readiness": "/readyz"}
	for name, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe %+v: want an HTTP GET", name, p)
			continue
		}
		if p.HTTPGet.Path != want[name] || p.HTTPGet.Port != intstr.FromString("http") {
			t.Errorf("%s probe GET %s on port %s, want %s on http", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), want[name])
		}
		if p.PeriodSeconds < 1 || p.FailureThreshold < 1 || p.TimeoutSeconds < 1 {
			t.Errorf("%s probe timing %d s × %d, timeout %d s", name, p.PeriodSeconds, p.FailureThreshold, p.TimeoutSeconds)
		}
	}
}

func checkSecurity(t *testing.T, d *appsv1.Deployment, c corev1.Container) {
	t.Helper()
	ps := d.Spec.Template.Spec.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser != 65532 || ps.FSGroup == nil || *ps.FSGroup != 65532 {
		t.Errorf("pod security context %+v: want runAsNonRoot, uid 65532 and fsGroup 65532 (the image's user)", ps)
	}
	cs := c.SecurityContext
	if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
		cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
		t.Errorf("container security context %+v: want a read-only root and no privilege escalation", cs)
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v: want memory requests and limits", c.Resources)
	}
	if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("automountServiceAccountToken %v: Portico never calls the Kubernetes API", a)
	}
}

// checkMounts wants every mount backed by a volume and /tmp writable: the
// root file system is read-only.
func checkMounts(t *testing.T, d *appsv1.Deployment, c corev1.Container) {
	t.Helper()
	vols := map[string]bool{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		vols[v.Name] = true
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		if !vols[m.Name] {
			t.Errorf("mount %s at %s has no volume", m.Name, m.MountPath)
		}
		mounts[m.MountPath] = m
	}
	if m, ok := mounts["/tmp"]; !ok || m.ReadOnly {
		t.Errorf("/tmp not mounted writable: %+v", m)
	}
	if m, ok := mounts["/etc/portico"]; !ok || !m.ReadOnly {
		t.Errorf("/etc/portico not mounted read-only: %+v", m)
	}
}

// checkAppConfig wants the ConfigMap's app-config.yaml to be the values'
// appConfig, and the pods to roll when it changes.
func checkAppConfig(t *testing.T, r *release, cm *corev1.ConfigMap) {
	t.Helper()
	var got any
	if err := yaml.Unmarshal([]byte(cm.Data["app-config.yaml"]), &got); err != nil {
		t.Fatalf("app-config.yaml: %v", err)
	}
	if diff := cmp.Diff(viaJSON(t, r.values["appConfig"]), viaJSON(t, got)); diff != "" {
		t.Errorf("app-config.yaml differs from values.appConfig (-values +configmap):\n%s", diff)
	}
	sum := r.deployments[0].Spec.Template.Annotations["checksum/config"]
	if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
		t.Errorf("checksum/config annotation %q: want a sha256 of the config map", sum)
	}
}

func checkSQLite(t *testing.T, r *release) {
	d := r.deployments[0]
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d, strategy %s: want 1 and Recreate (one process on the volume)", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	if got := envValue(container(t, d), "PORTICO_DATABASE"); got != "sqlite:/data/portico.db" {
		t.Errorf("PORTICO_DATABASE = %q, want sqlite:/data/portico.db", got)
	}
	if len(r.claims) != 1 {
		t.Fatalf("rendered %d claims, want 1 for SQLite", len(r.claims))
	}
	pvc := r.claims[0]
	if v := volume(t, d, "data").PersistentVolumeClaim; v == nil || v.ClaimName != pvc.Name {
		t.Errorf("data volume %+v, want claim %s", v, pvc.Name)
	}
	if pvc.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("claim annotations %v: uninstalling must keep the data", pvc.Annotations)
	}
	if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "1Gi" {
		t.Errorf("claim size %s, want 1Gi", q.String())
	}
	if mountPath(container(t, d), "data") != "/data" {
		t.Errorf("data volume not mounted at /data")
	}
	if len(r.ingresses) != 0 || len(r.serviceMonitors) != 0 {
		t.Errorf("defaults render %d ingresses and %d service monitors, want none", len(r.ingresses), len(r.serviceMonitors))
	}
}

func checkPostgres(t *testing.T, r *release) {
	d := r.deployments[0]
	if *d.Spec.Replicas != 3 || d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		t.Errorf("replicas %d, strategy %s: want 3 and RollingUpdate", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	c := container(t, d)
	ref := envVar(c, "PORTICO_DATABASE")
	if ref == nil || ref.ValueFrom == nil || ref.ValueFrom.SecretKeyRef == nil ||
		ref.ValueFrom.SecretKeyRef.Name != "portico-db" || ref.ValueFrom.SecretKeyRef.Key != "uri" || ref.Value != "" {
		t.Errorf("PORTICO_DATABASE %+v: want it from secret portico-db, key uri", ref)
	}
	if len(r.claims) != 0 || mountPath(c, "data") != "" {
		t.Errorf("PostgreSQL renders %d claims and a /data mount %q: want none", len(r.claims), mountPath(c, "data"))
	}
}

func checkIngressAndMonitor(t *testing.T, r *release) {
	svc := r.services[0]
	if len(r.ingresses) != 1 {
		t.Fatalf("rendered %d ingresses, want 1", len(r.ingresses))
	}
	ing := r.ingresses[0]
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingress class %v, want nginx", ing.Spec.IngressClassName)
	}
	if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "portal-tls" {
		t.Errorf("ingress TLS %+v", ing.Spec.TLS)
	}
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "portal.example.com" || ing.Spec.Rules[0].HTTP == nil {
		t.Fatalf("ingress rules %+v", ing.Spec.Rules)
	}
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		if b := p.Backend.Service; b == nil || b.Name != svc.Name || b.Port.Name != svc.Spec.Ports[0].Name {
			t.Errorf("ingress path %s goes to %+v, want service %s port %s", p.Path, b, svc.Name, svc.Spec.Ports[0].Name)
		}
	}
	if len(r.serviceMonitors) != 1 {
		t.Fatalf("rendered %d service monitors, want 1", len(r.serviceMonitors))
	}
	sm := r.serviceMonitors[0]
	if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
		t.Errorf("service monitor selector %v does not select the service %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if sm.Labels["release"] != "prometheus" {
		t.Errorf("service monitor labels %v, want release: prometheus", sm.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("service monitor endpoints %+v", sm.Spec.Endpoints)
	}
	e := sm.Spec.Endpoints[0]
	if e.Port != "http" || e.Path != "/metrics" {
		t.Errorf("service monitor scrapes port %q path %q, want http /metrics", e.Port, e.Path)
	}
	if a := e.Authorization; a == nil || a.Credentials == nil || a.Credentials.Name != "portico-metrics" || a.Credentials.Key != "token" {
		t.Errorf("service monitor authorization %+v, want the token in portico-metrics/token", a)
	}
}

func container(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "portico" {
		t.Fatalf("containers %+v, want one named portico", cs)
	}
	return cs[0]
}

func volume(t *testing.T, d *appsv1.Deployment, name string) corev1.Volume {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %s", name)
	return corev1.Volume{}
}

func mountPath(c corev1.Container, volume string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m.MountPath
		}
	}
	return ""
}

func envVar(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func envValue(c corev1.Container, name string) string {
	if e := envVar(c, name); e != nil {
		return e.Value
	}
	return ""
}

// viaJSON normalises a YAML tree (numbers, map types) for comparison.
func viaJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
