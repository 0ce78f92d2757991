// Package helm checks the Portico chart in portico/: it renders the chart
// with Helm's own Go packages (as `helm template` does) and decodes every
// manifest strictly into the Kubernetes API types, since no cluster and no
// schema download is reachable from CI.
package helm

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/yaml"
)

const (
	chartDir    = "portico"
	releaseName = "portal"
	namespace   = "portico"
	kubeVersion = "v1.37.0" // the k8s.io/api release the manifests are decoded with
)

// release is what one rendering produced, as typed objects.
type release struct {
	deployments     []*appsv1.Deployment
	services        []*corev1.Service
	configMaps      []*corev1.ConfigMap
	claims          []*corev1.PersistentVolumeClaim
	serviceAccounts []*corev1.ServiceAccount
	ingresses       []*networkingv1.Ingress
	serviceMonitors []*monitoringv1.ServiceMonitor
	manifests       []string // every document, for messages
	objects         []runtime.Object
	values          map[string]any // the values after merging with values.yaml
}

// newDecoder decodes YAML strictly: an unknown or duplicated field, or a
// kind outside this scheme, is an error. The ServiceMonitor is decoded
// into prometheus-operator's own API types.
func newDecoder() (runtime.Decoder, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, networkingv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true}), nil
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return ch
}

// render renders the chart with values over values.yaml, as
// `helm template portal deploy/helm/portico -n portico -f values` does,
// schema validation included, and decodes what it produced.
func render(t *testing.T, ch *chart.Chart, values map[string]any) (*release, error) {
	t.Helper()
	caps := chartcommon.DefaultCapabilities.Copy()
	kv, err := chartcommon.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	caps.KubeVersion = *kv
	if !chartv2util.IsCompatibleRange(ch.Metadata.KubeVersion, kv.String()) {
		t.Fatalf("chart's kubeVersion %q excludes %s", ch.Metadata.KubeVersion, kv)
	}
	opts := chartcommon.ReleaseOptions{Name: releaseName, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, values, opts, caps)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return nil, err
	}
	merged, err := chartutil.CoalesceValues(ch, values)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := decodeFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	rel.values = merged
	return rel, nil
}

// decodeFiles splits the rendered files into documents and decodes each.
func decodeFiles(files map[string]string) (*release, error) {
	dec, err := newDecoder()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	rel := &release{}
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		docs := releaseutil.SplitManifests(files[name])
		keys := make([]string, 0, len(docs))
		for k := range docs {
			keys = append(keys, k)
		}
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, k := range keys {
			if err := rel.add(dec, name, docs[k]); err != nil {
				return nil, err
			}
		}
	}
	return rel, nil
}

func (r *release) add(dec runtime.Decoder, file, doc string) error {
	obj, gvk, err := dec.Decode([]byte(doc), nil, nil)
	if err != nil {
		return fmt.Errorf("%s: strict decode: %w\n%s", file, err, doc)
	}
	r.manifests = append(r.manifests, doc)
	r.objects = append(r.objects, obj)
	switch o := obj.(type) {
	case *appsv1.Deployment:
		r.deployments = append(r.deployments, o)
	case *corev1.Service:
		r.services = append(r.services, o)
	case *corev1.ConfigMap:
		r.configMaps = append(r.configMaps, o)
	case *corev1.PersistentVolumeClaim:
		r.claims = append(r.claims, o)
	case *corev1.ServiceAccount:
		r.serviceAccounts = append(r.serviceAccounts, o)
	case *networkingv1.Ingress:
		r.ingresses = append(r.ingresses, o)
	case *monitoringv1.ServiceMonitor:
		r.serviceMonitors = append(r.serviceMonitors, o)
	default:
		return fmt.Errorf("%s: %s is rendered but not checked here: add it to release", file, gvk)
	}
	return nil
}

// lintChart runs `helm lint --strict` with values: warnings fail too.
func lintChart(t *testing.T, values map[string]any) {
	t.Helper()
	kv, err := chartcommon.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	res := lint.RunAll(chartDir, values, namespace, lint.WithKubeVersion(kv))
	for _, m := range res.Messages {
		if m.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", m.Error())
		}
	}
}

// parseValues reads a YAML values document, as `-f values.yaml` would.
func parseValues(t *testing.T, s string) map[string]any {
	t.Helper()
	v := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("values: %v", err)
	}
	return v
}

// TestStrictDecoding shows the decoder refuses what a lenient one would let
// through, so a chart mistake cannot pass the checks above.
func TestStrictDecoding(t *testing.T) {
	tests := []struct{ name, doc, wantErr string }{
		{"unknown field", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec: {replica: 3, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}}}`, `unknown field "spec.replica"`},
		{"misplaced field", `
apiVersion: v1
kind: Service
metadata: {name: x}
spec: {ports: [{port: 80, targetPort: http, readinessProbe: {}}]}`, `unknown field "spec.ports[0].readinessProbe"`},
		{"duplicate field", `
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
data: {a: "1"}
data: {b: "2"}`, `key "data" already set`},
		{"unknown field of a ServiceMonitor", `
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: x}
spec: {selector: {}, endpoints: [{port: http, bearerTokenFile: /x, scrapeEvery: 30s}]}`, `unknown field "spec.endpoints[0].scrapeEvery"`},
		{"kind outside the scheme", `
apiVersion: batch/v1
kind: Job
metadata: {name: x}`, `no kind "Job" is registered`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeFiles(map[string]string{"portico/templates/x.yaml": tt.doc})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("decode error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
