package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzStream feeds arbitrary bytes to a Stream, seeded with the shared wire
// corpus (testdata/wire/cases.json) besides the seeds below. Reading must never panic
// and must end in a clear error: EOF, a cut line, or a *ProtocolError with
// a protocol code. Every line it accepts must be valid JSON by
// encoding/json's judgement, and every valid JSON object line must be
// accepted or refused only for its shape.
func FuzzStream(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"method":"vbank.GetBalance","params":[{"address":"agoric1abc123","denom":"uist"}]}` + "\n",
		`{"id":null,"method":"slog.Write","params":[{"entries":[{"type":"deliver","time":1.5e9}]}]}` + "\n",
		`{"id":7,"result":"654321","error":null}` + "\n",
		`{"id":7,"result":null,"error":{"code":-32001,"message":"shutting down","data":[null,true]}}` + "\n",
		`{"id":"x","error":"plain string"}` + "\n",
		`{"method":"a","params":[{"\u00e9\n":"\ud83d\ude00"}],"extra":{}}` + "\n\n",
		`[1,2]` + "\n",
		`{"id":1,"method":` + "\n",
		"{\"id\":1}\r\n",
		`{"a":-0.1e+5,"b":[[[[]]]]}`,
		"\xff\xfe{}\n",
	} {
		f.Add([]byte(seed))
	}
	for _, c := range loadWireCorpus(f).Cases { // the shared wire cases
		f.Add(c.bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewStream(bytes.NewReader(data), io.Discard, 512, nil)
		for range len(data) + 1 {
			var m Message
			err := s.ReadMessage(&m)
			if err == nil {
				continue
			}
			var pe *ProtocolError
			switch {
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			case errors.As(err, &pe):
				if pe.Code != CodeParseError && pe.Code != CodeInvalidRequest || len(pe.Head) > headLen {
					t.Fatalf("protocol error %+v", pe)
				}
			default:
				t.Fatalf("unclear error %T: %v", err, err)
			}
			return
		}
		t.Fatal("reader made no progress")
	})
}

// FuzzParseMessage checks the one-pass scanner against encoding/json.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`{"id":1,"method":"m","params":[{"a":[1,{"b":"\u0041"}]}]}`))
	f.Add([]byte(`{"id":1,"result":{"x":1e-7},"error":null}`))
	f.Add([]byte(`{"id":1,"result":01}`))
	f.Add([]byte(`{"id":1,"result":"\x01"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return // framing is the Stream's job
		}
		var m Message
		err := parseMessage(line, &m)
		valid := json.Valid(line)
		var pe *ProtocolError
		switch {
		case err == nil && !valid:
			t.Fatalf("accepted invalid JSON %q", line)
		case err != nil && !errors.As(err, &pe):
			t.Fatalf("unclear error %T: %v", err, err)
		case err != nil && valid && pe.Code == CodeParseError:
			t.Fatalf("valid JSON %q refused as not JSON: %v", line, err)
		case err != nil && !valid && pe.Code != CodeParseError:
			t.Fatalf("invalid JSON %q refused as %d: %v", line, pe.Code, err)
		}
		if err == nil && len(m.Params) > 0 && !json.Valid(m.Params) {
			t.Fatalf("params %q are not valid JSON", m.Params)
		}
	})
}
