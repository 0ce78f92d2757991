package asyncapi

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parseFile(t *testing.T, name string) *Document {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if len(d.Problems) > 0 {
		t.Errorf("%s: problems %q", name, d.Problems)
	}
	return d
}

func opSummary(ops []Operation) []string {
	var out []string
	for _, o := range ops {
		var msgs []string
		for _, m := range o.Messages {
			msgs = append(msgs, m.Name)
		}
		out = append(out, o.Action+" "+o.Key+" @"+o.Channel+" "+strings.Join(msgs, ","))
	}
	return out
}

func TestParseStreetlights26ReadsChannelsOperationsAndTraits(t *testing.T) {
	d := parseFile(t, "streetlights-mqtt-2.6.yml")
	if d.Version != "2.6.0" || d.Title != "Streetlights MQTT API" || d.Major() != 2 {
		t.Fatalf("header: %q %q", d.Version, d.Title)
	}
	if len(d.Servers) != 1 || d.Servers[0].Protocol != "mqtt" || d.Servers[0].URL != "test.mosquitto.org:{port}" {
		t.Fatalf("servers: %+v", d.Servers)
	}
	v := d.Servers[0].Variables
	if len(v) != 1 || v[0].Name != "port" || v[0].Default != "1883" || !cmp.Equal(v[0].Enum, []string{"1883", "8883"}) {
		t.Errorf("variables: %+v", v)
	}
	if diff := cmp.Diff([]string{"apiKey", "supportedOauthFlows", "openIdConnectWellKnown"}, d.Servers[0].Security); diff != "" {
		t.Errorf("server security (-want +got):\n%s", diff)
	}
	want := []string{
		"publish receiveLightMeasurement @smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured lightMeasured",
		"subscribe turnOn @smartylighting/streetlights/1/0/action/{streetlightId}/turn/on turnOnOff",
		"subscribe turnOff @smartylighting/streetlights/1/0/action/{streetlightId}/turn/off turnOnOff",
		"subscribe dimLight @smartylighting/streetlights/1/0/action/{streetlightId}/dim dimLight",
	}
	if diff := cmp.Diff(want, opSummary(d.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	ch := d.Channels[0]
	if len(ch.Parameters) != 1 || ch.Parameters[0].Name != "streetlightId" || ch.Parameters[0].Description != "The ID of the streetlight." || ch.Parameters[0].Schema.Type != "string" {
		t.Errorf("parameters: %+v", ch.Parameters)
	}
	// The operation trait's bindings and the message trait's headers apply.
	op := d.Operations[0]
	if len(op.Bindings) != 1 || op.Bindings[0].Protocol != "mqtt" || !strings.Contains(op.Bindings[0].Data, "qos: 1") {
		t.Errorf("operation bindings from trait: %+v", op.Bindings)
	}
	m := op.Messages[0]
	if m.Headers == nil || len(m.Headers.Children) != 1 || m.Headers.Children[0].Name != "my-app-header" {
		t.Fatalf("headers from trait: %+v", m.Headers)
	}
	if m.Payload == nil || m.Payload.Ref != "lightMeasuredPayload" {
		t.Fatalf("payload: %+v", m.Payload)
	}
	var props []string
	for _, c := range m.Payload.Children {
		props = append(props, c.Name+":"+c.Type+":"+c.Ref+":"+c.Format)
	}
	if diff := cmp.Diff([]string{"lumens:integer::", "sentAt:string:sentAt:date-time"}, props); diff != "" {
		t.Errorf("payload properties (-want +got):\n%s", diff)
	}
	if !cmp.Equal(m.Payload.Children[0].Constraints, []string{"minimum: 0"}) {
		t.Errorf("constraints: %q", m.Payload.Children[0].Constraints)
	}
	if len(d.SecuritySchemes) != 3 || d.SecuritySchemes[1].Type != "oauth2" || len(d.SecuritySchemes[1].Flows) != 4 || len(d.SecuritySchemes[1].Flows[0].Scopes) != 3 {
		t.Errorf("security schemes: %+v", d.SecuritySchemes)
	}
	if len(d.Messages) != 3 {
		t.Errorf("component messages: %d", len(d.Messages))
	}
}

func TestParseStreetlightsKafka26KeepsServerOrderAndSchemes(t *testing.T) {
	d := parseFile(t, "streetlights-kafka-2.6.yml")
	var names []string
	for _, s := range d.Servers {
		names = append(names, s.Name+"="+s.Protocol)
	}
	if diff := cmp.Diff([]string{"scram-connections=kafka-secure", "mtls-connections=kafka-secure"}, names); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	if len(d.Operations) != 4 || d.Operations[0].Action != "publish" || d.Operations[0].Bindings[0].Protocol != "kafka" {
		t.Errorf("operations: %v", opSummary(d.Operations))
	}
}

func TestParseStreetlights30ResolvesOperationChannelsAndMessages(t *testing.T) {
	d := parseFile(t, "streetlights-mqtt-3.0.yml")
	if d.Major() != 3 || d.Servers[0].URL != "test.mosquitto.org:{port}" || d.Servers[0].Protocol != "mqtt" {
		t.Fatalf("header/servers: %q %+v", d.Version, d.Servers)
	}
	if diff := cmp.Diff([]string{"apiKey", "oauth2", "openIdConnectWellKnown"}, d.Servers[0].Security); diff != "" {
		t.Errorf("3.0 server security (-want +got):\n%s", diff)
	}
	want := []string{
		"receive receiveLightMeasurement @lightingMeasured lightMeasured",
		"send turnOn @lightTurnOn turnOnOff",
		"send turnOff @lightTurnOff turnOnOff",
		"send dimLight @lightsDim dimLight",
	}
	if diff := cmp.Diff(want, opSummary(d.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if a := d.Operations[0].Address; a != "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured" {
		t.Errorf("operation address %q", a)
	}
	ch := d.Channels[0]
	if ch.Key != "lightingMeasured" || len(ch.Messages) != 1 || ch.Messages[0].Key != "lightMeasured" || ch.Messages[0].Component != "lightMeasured" || ch.Parameters[0].Description != "The ID of the streetlight." {
		t.Errorf("channel: %+v", ch)
	}
	if m := d.Operations[1].Messages[0]; m.Component != "turnOnOff" {
		t.Errorf("operation message through the channel: component %q", m.Component)
	}
	if h := d.Operations[1].Messages[0].Headers; h == nil || h.Children[0].Name != "my-app-header" {
		t.Errorf("3.0 message trait headers: %+v", h)
	}
	if b := d.Operations[1].Bindings; len(b) != 1 || !strings.Contains(b[0].Data, "qos: 1") {
		t.Errorf("3.0 operation trait bindings: %+v", b)
	}
	if f := d.SecuritySchemes[1].Flows[0]; f.Name != "implicit" || f.Scopes[0][0] != "streetlights:on" {
		t.Errorf("3.0 availableScopes: %+v", f)
	}
}

func TestParseReportsUnresolvedAndCyclicRefs(t *testing.T) {
	doc := `asyncapi: 3.0.0
info: {title: T, version: "1"}
channels:
  c:
    address: a
    messages:
      m:
        payload: {$ref: '#/components/schemas/Node'}
      ext:
        $ref: 'other.yaml#/components/messages/x'
operations:
  o: {action: send, channel: {$ref: '#/channels/c'}, messages: [{$ref: '#/channels/c/messages/m'}]}
components:
  schemas:
    Node:
      type: object
      properties:
        next: {$ref: '#/components/schemas/Node'}
        loop: {$ref: '#/components/schemas/A'}
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Operations[0].Messages[0].Payload
	if p.Ref != "Node" || len(p.Children) != 2 || !p.Children[0].Cycle {
		t.Fatalf("cycle not marked: %+v", p)
	}
	if !strings.HasPrefix(p.Children[1].Type, "unresolved $ref") {
		t.Errorf("ref loop: %+v", p.Children[1])
	}
	joined := strings.Join(d.Problems, "\n")
	if !strings.Contains(joined, "other.yaml#/components/messages/x is not local") || !strings.Contains(joined, "chain too long") {
		t.Errorf("problems: %q", d.Problems)
	}
}

func TestParseRejectsNonAsyncAPIAndAliasBombs(t *testing.T) {
	if _, err := Parse([]byte("openapi: 3.0.0\n")); err != ErrNotAsyncAPI {
		t.Errorf("openapi doc: %v", err)
	}
	if _, err := Parse([]byte("asyncapi: 1.2.0\ninfo: {title: x}\n")); err == nil || !strings.Contains(err.Error(), "1.2.0 is not supported") {
		t.Errorf("1.2: %v", err)
	}
	bomb := "asyncapi: 2.0.0\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	if _, err := Parse([]byte(bomb)); err != errTooLarge {
		t.Errorf("alias bomb: %v", err)
	}
	if _, err := Parse([]byte("asyncapi: [\n")); err == nil || !strings.Contains(err.Error(), "line") {
		t.Errorf("syntax error should name the line: %v", err)
	}
}

func TestParseBackstageStreetlights20(t *testing.T) {
	d := parseFile(t, "backstage-streetlights-2.0.yml")
	want := []string{
		"subscribe receiveLightMeasurement @smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured lightMeasured",
		"publish turnOn @smartylighting/streetlights/1/0/action/{streetlightId}/turn/on turnOnOff",
		"publish turnOff @smartylighting/streetlights/1/0/action/{streetlightId}/turn/off turnOnOff",
		"publish dimLight @smartylighting/streetlights/1/0/action/{streetlightId}/dim dimLight",
	}
	if diff := cmp.Diff(want, opSummary(d.Operations)); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	cmd := d.Operations[1].Messages[0].Payload.Children[0]
	if cmd.Name != "command" || !cmp.Equal(cmd.Enum, []string{"on", "off"}) {
		t.Errorf("command enum: %+v", cmd)
	}
	if b := d.Operations[0].Bindings; len(b) != 1 || b[0].Protocol != "kafka" || b[0].Data != "clientId: my-app-id" {
		t.Errorf("bindings: %+v", b)
	}
	if f := d.SecuritySchemes[1].Flows; len(f) != 4 || f[3].RefreshURL != "https://authserver.example/refresh" || len(f[3].Scopes) != 3 {
		t.Errorf("2.0 flows with scopes: %+v", f)
	}
}

func TestParseStopsAtCyclicMessageOneOf(t *testing.T) {
	// Found by FuzzParse: a oneOf that contains itself recursed forever.
	doc := "asyncapi: 2.0.0\nchannels: {c: {subscribe: {message: {oneOf: [{$ref: '#/channels/c/subscribe/message'}, {name: ok}]}}}}\n"
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) != 1 || !strings.Contains(d.Problems[0], "oneOf nested too deeply") {
		t.Errorf("problems: %q", d.Problems)
	}
	if n := len(d.Operations[0].Messages); n == 0 || n > 1<<maxOneOfDepth {
		t.Errorf("%d messages", n)
	}
	// A wide oneOf repeating itself would fan out exponentially.
	wide := "asyncapi: 2.0.0\nchannels: {c: {subscribe: {message: {oneOf: [" + strings.Repeat("{$ref: '#/channels/c/subscribe/message'},", 50) + "{name: ok}]}}}}\n"
	d, err = Parse([]byte(wide))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Operations[0].Messages); n > maxMessages || !strings.Contains(strings.Join(d.Problems, "\n"), "messages: the rest are left out") {
		t.Errorf("%d messages, problems %q", n, d.Problems)
	}
}

func TestParseBoundsSchemaNodesAcrossMessages(t *testing.T) {
	// 300 messages of one 1,000-property schema: each tree is within its
	// own budget, together they would be 300,000 nodes.
	var b strings.Builder
	b.WriteString("asyncapi: 3.0.0\nchannels:\n  c:\n    address: a\n    messages:\n")
	for i := range 300 {
		fmt.Fprintf(&b, "      m%d: {payload: {$ref: '#/components/schemas/Big'}}\n", i)
	}
	b.WriteString("components:\n  schemas:\n    Big:\n      type: object\n      properties:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "        p%d: {type: string}\n", i)
	}
	d, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	nodes, cut := 0, 0
	var count func(*Schema)
	count = func(s *Schema) {
		nodes++
		if s.Truncated {
			cut++
		}
		for _, c := range s.Children {
			count(c)
		}
	}
	for _, m := range d.Channels[0].Messages {
		count(m.Payload)
	}
	if nodes > maxDocumentSchemaNodes+2*len(d.Channels[0].Messages) || cut == 0 {
		t.Errorf("%d schema nodes (%d cut), want at most about %d", nodes, cut, maxDocumentSchemaNodes)
	}
}

func TestParseJSONWithRequestReply(t *testing.T) {
	doc := `{"asyncapi": "3.0.0", "info": {"title": "RPC", "version": "1"},
 "channels": {"q": {"address": "rpc_queue", "messages": {"req": {"payload": {"type": "object", "properties": {"n": {"type": "integer"}}}}}},
   "r": {"address": null, "messages": {"res": {"payload": {"type": "integer"}}}}},
 "operations": {"sum": {"action": "receive", "channel": {"$ref": "#/channels/q"},
   "reply": {"address": {"location": "$message.header#/replyTo"}, "channel": {"$ref": "#/channels/r"}, "messages": [{"$ref": "#/channels/r/messages/res"}]}}}}`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	op := d.Operations[0]
	if op.Address != "rpc_queue" || len(op.Messages) != 1 || op.Messages[0].Key != "req" {
		t.Errorf("operation without messages takes its channel's: %+v", op)
	}
	if op.ReplyAddress != "$message.header#/replyTo" || len(op.ReplyMessages) != 1 || op.ReplyMessages[0].Payload.Type != "integer" {
		t.Errorf("reply: %q %+v", op.ReplyAddress, op.ReplyMessages)
	}
}
