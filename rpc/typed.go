package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/agd-project/agd/internal/jsonscan"
)

// Mux is a Handler that routes by method name to typed functions. Register
// every method before handing the Mux to NewConn; it is read-only after.
type Mux struct {
	routes map[string]func(ctx context.Context, params json.RawMessage) (any, error)
}

// NewMux returns an empty Mux: every method answers -32601.
func NewMux() *Mux {
	return &Mux{routes: make(map[string]func(context.Context, json.RawMessage) (any, error))}
}

// ServeRPC routes req to the function registered for its method.
func (m *Mux) ServeRPC(ctx context.Context, req *Message) (any, error) {
	fn, ok := m.routes[req.Method]
	if !ok {
		return nil, Errorf(CodeMethodNotFound, "method not found: %s", req.Method)
	}
	return fn(ctx, req.Params)
}

func (m *Mux) add(method string, fn func(context.Context, json.RawMessage) (any, error)) {
	if _, dup := m.routes[method]; dup {
		panic("rpc: method registered twice: " + method)
	}
	m.routes[method] = fn
}

// Handle registers fn for method. The params object is decoded into P; a
// field that is missing (unless tagged omitempty or omitzero) or ill-typed
// answers -32602 naming it. fn's error goes to the peer: an *Error as is,
// anything else as -32603.
func Handle[P, R any](m *Mux, method string, fn func(ctx context.Context, params P) (R, error)) {
	decode := paramsDecoder[P]()
	m.add(method, func(ctx context.Context, raw json.RawMessage) (any, error) {
		p, err := decode(method, raw)
		if err != nil {
			return nil, err
		}
		return fn(ctx, p)
	})
}

// HandleNotification registers fn for a method the peer sends as a
// notification, with Handle's decoding. Sent as a request, it answers null.
func HandleNotification[P any](m *Mux, method string, fn func(ctx context.Context, params P) error) {
	decode := paramsDecoder[P]()
	m.add(method, func(ctx context.Context, raw json.RawMessage) (any, error) {
		p, err := decode(method, raw)
		if err != nil {
			return nil, err
		}
		return nil, fn(ctx, p)
	})
}

// HandleRaw registers fn for method with the params object as raw JSON,
// decoded by nobody: the fast path for slog.Write, whose flight recorder
// stores the bytes. raw is valid JSON, an object, and fn may keep it.
func HandleRaw(m *Mux, method string, fn func(ctx context.Context, raw json.RawMessage) (any, error)) {
	m.add(method, fn)
}

// paramsDecoder returns a decoder for P that also enforces required fields,
// which encoding/json alone would leave zero without a word.
func paramsDecoder[P any]() func(method string, raw json.RawMessage) (P, error) {
	required := requiredFields(reflect.TypeFor[P]())
	return func(method string, raw json.RawMessage) (P, error) {
		var p P
		if len(required) > 0 {
			if missing := firstMissing(raw, required); missing != "" {
				return p, invalidParams(method, missing, "missing field %q", missing)
			}
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return p, invalidParams(method, te.Field, "field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
			}
			return p, Errorf(CodeInvalidParams, "%s: invalid params: %v", method, err)
		}
		return p, nil
	}
}

func invalidParams(method, field, format string, args ...any) *Error {
	data, _ := json.Marshal(struct {
		Field string `json:"field"`
	}{field})
	return &Error{Code: CodeInvalidParams, Message: method + ": invalid params: " + fmt.Sprintf(format, args...), Data: data}
}

// requiredFields lists the JSON names of t's fields that a peer must send:
// exported, not "-", not omitempty/omitzero. Embedded structs are left
// optional; the protocol's params are flat.
func requiredFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// firstMissing returns the first required name that obj (a validated JSON
// object) lacks; like encoding/json it matches names case-insensitively.
func firstMissing(obj []byte, required []string) string {
	var keys []string
	i := jsonscan.SkipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		end, err := jsonscan.SkipString(obj, i)
		if err != nil {
			return required[0]
		}
		k, err := unquote(obj[i:end])
		if err != nil {
			return required[0]
		}
		keys = append(keys, k)
		i = jsonscan.SkipSpace(obj, end)
		i = jsonscan.SkipSpace(obj, i+1) // ':'
		if i, err = jsonscan.SkipValue(obj, i, 1); err != nil {
			return required[0]
		}
		i = jsonscan.SkipSpace(obj, i)
		i = jsonscan.SkipSpace(obj, i+1) // ',' or '}'
	}
outer:
	for _, name := range required {
		for _, k := range keys {
			if k == name || strings.EqualFold(k, name) {
				continue outer
			}
		}
		return name
	}
	return ""
}
