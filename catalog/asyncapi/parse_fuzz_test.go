package asyncapi

import (
	"os"
	"testing"
)

// FuzzParse: any input gives a document or an error, never a panic or a
// hang, whatever its $refs, traits, aliases and schema shapes.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"streetlights-mqtt-2.6.yml", "streetlights-mqtt-3.0.yml", "backstage-streetlights-2.0.yml"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("asyncapi: 3.0.0\nchannels: {c: {$ref: '#/channels/c'}}\noperations: {o: {traits: [{$ref: '#/operations/o'}], channel: {$ref: '#/channels/c'}}}\n"))
	f.Add([]byte("asyncapi: 2.0.0\nchannels: {c: {subscribe: {message: {oneOf: [{$ref: '#/channels/c/subscribe/message'}]}}}}\n"))
	f.Add([]byte(`{"asyncapi":"3.0.0","components":{"schemas":{"a":{"items":[{"$ref":"#/components/schemas/a"}],"not":{"$ref":"#"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err == nil && d == nil {
			t.Fatal("nil document without an error")
		}
	})
}
