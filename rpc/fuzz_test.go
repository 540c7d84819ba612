package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzStream feeds arbitrary bytes to a Stream, seeded with the shared wire
// corpus (testdata/wire/cases.json) besides the seeds below. Reading must
// never panic and must end in a clear error: EOF, a cut line, or a
// *ProtocolError with a protocol code. The oracle is encoding/json: each message the stream
// accepts comes from the next non-blank line of the input, that line must be
// valid JSON, and the message must hold what encoding/json reads from it.
// A refused line is refused as not JSON exactly when encoding/json says so.
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
	const maxLine = 512
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewStream(bytes.NewReader(data), io.Discard, maxLine, nil)
		// nextLine is the line the stream's next ReadMessage reads, and
		// whether it is complete (ends in '\n').
		rest := data
		nextLine := func() ([]byte, bool) {
			for {
				nl := bytes.IndexByte(rest, '\n')
				if nl < 0 {
					line := rest
					rest = nil
					return line, false
				}
				line := rest[:nl]
				rest = rest[nl+1:]
				if len(line) > maxLine || len(bytes.Trim(line, " \t\r")) > 0 {
					return line, true
				}
			}
		}
		for range len(data) + 1 {
			var m Message
			err := s.ReadMessage(&m)
			line, complete := nextLine()
			if err == nil {
				if !complete {
					t.Fatalf("accepted %q, a line without its newline", line)
				}
				agreesWithEncodingJSON(t, line, &m)
				continue
			}
			var pe *ProtocolError
			switch {
			case errors.Is(err, io.EOF):
				if len(bytes.TrimLeft(line, " \t\r")) > 0 || len(rest) > 0 {
					t.Fatalf("EOF with %q unread", append(line, rest...))
				}
			case errors.Is(err, io.ErrUnexpectedEOF):
				if complete {
					t.Fatalf("cut short on the complete line %q", line)
				}
			case errors.As(err, &pe):
				if len(pe.Head) > headLen {
					t.Fatalf("protocol error head of %d bytes", len(pe.Head))
				}
				switch {
				case len(line) > maxLine:
					if pe.Code != CodeParseError {
						t.Fatalf("a %d-byte line refused as %d: %v", len(line), pe.Code, err)
					}
				case !complete:
					t.Fatalf("refused %q, a line without its newline: %v", line, err)
				case json.Valid(line) && pe.Code != CodeInvalidRequest:
					t.Fatalf("valid JSON %q refused as %d: %v", line, pe.Code, err)
				case !json.Valid(line) && pe.Code != CodeParseError:
					t.Fatalf("invalid JSON %q refused as %d: %v", line, pe.Code, err)
				}
			default:
				t.Fatalf("unclear error %T: %v", err, err)
			}
			return
		}
		t.Fatal("reader made no progress")
	})
}

// parseMessageSeeds are FuzzParseMessage's seeds; TestParseMessagePrefixes
// also parses every prefix of each.
var parseMessageSeeds = []string{
	`{"id":1,"method":"m","params":[{"a":[1,{"b":"\u0041"}]}]}`,
	`{"id":1,"result":{"x":1e-7},"error":null}`,
	`{"id":1,"result":01}`,
	`{"id":1,"result":"\x01"}`,
	`{"id":2,"result":null,"error":{"code":-32602,"message":"bad \"x\"","data":{"k":[1]}}}`,
	`{"id":3,"error":"plain"}`,
	`{"id":4,"method":"m","params":[{}],"params":[1,2]}`,
	`{"id":5,"meth\u006fd":"m\u00e9","params":[{"a":1}]}`,
	"{\"id\":6,\"method\":\"m\xff\",\"params\":[{}]}",
	"{\"id\":7,\"error\":{\"code\":1,\"message\":\"\xfe\",\"Code\":2}}",
	// Escapes at a string's first byte, where a fast path could skip them.
	`{"\u0069d":8,"method":"\u0041b","params":[{}]}`,
	` { "id" : 9 , "method" : "m" , "params" : [ { } , 1 ] } `,
	`{"id":10,"method":"m","params":[]}`,
	`{"id":11,"error":{"code":-1,"message":"x","data":null}}`,
}

// FuzzParseMessage checks the one-pass scanner against encoding/json: it
// accepts only valid JSON, refuses valid JSON only for its shape, and what
// it accepts holds the id, method, params, result and error that
// encoding/json reads from the same line.
func FuzzParseMessage(f *testing.F) {
	for _, seed := range parseMessageSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(checkParseMessage)
}

// TestParseMessagePrefixes runs FuzzParseMessage's check on every prefix of
// every seed: a line cut anywhere is refused as not JSON, never read past
// its end (an index one past the end panics).
func TestParseMessagePrefixes(t *testing.T) {
	for _, seed := range parseMessageSeeds {
		for n := 0; n <= len(seed); n++ {
			checkParseMessage(t, []byte(seed[:n]))
		}
	}
}

// TestDecodeErrorCode: an error's code that is a number but not an integer
// literal is read through float64, as a JS peer would have meant it; one
// that is not a number is 0. (The oracle above leaves such codes alone.)
func TestDecodeErrorCode(t *testing.T) {
	for raw, want := range map[string]int64{
		`{"code":7}`:      7,
		`{"code":-32601}`: -32601,
		`{"code":1e3}`:    1000,
		`{"code":2.5}`:    2,
		`{"code":-4.0E1}`: -40,
		`{"code":"7"}`:    0,
		`{"message":"m"}`: 0,
	} {
		if got := decodeError([]byte(raw)).Code; got != want {
			t.Errorf("decodeError(%s).Code = %d, want %d", raw, got, want)
		}
	}
}

// checkParseMessage fails t unless parseMessage refuses line exactly when
// it is not valid JSON (as a parse error) and otherwise reads what
// encoding/json reads.
func checkParseMessage(t *testing.T, line []byte) {
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
	case err == nil:
		agreesWithEncodingJSON(t, line, &m)
	}
}

// agreesWithEncodingJSON fails t unless m, which parseMessage accepted from
// line, holds what encoding/json reads from line. encoding/json's map
// reading is the oracle: member names match exactly and a repeated member's
// last value wins.
func agreesWithEncodingJSON(t *testing.T, line []byte, m *Message) {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		t.Fatalf("accepted %q, which encoding/json does not read as an object: %v", line, err)
	}
	if !bytes.Equal(m.ID, obj["id"]) {
		t.Fatalf("%q: id %q, encoding/json reads %q", line, m.ID, obj["id"])
	}
	if raw, ok := obj["method"]; ok {
		var method string
		if err := json.Unmarshal(raw, &method); err != nil {
			t.Fatalf("%q: accepted a method that is not a string: %v", line, err)
		}
		if m.Method != method {
			t.Fatalf("%q: method %q, encoding/json reads %q", line, m.Method, method)
		}
	} else if m.Method != "" {
		t.Fatalf("%q: method %q, but the line has none", line, m.Method)
	}
	var wantParams json.RawMessage
	var params []json.RawMessage
	if json.Unmarshal(obj["params"], &params) == nil && len(params) == 1 && params[0][0] == '{' {
		wantParams = params[0]
	}
	if !bytes.Equal(m.Params, wantParams) {
		t.Fatalf("%q: params %q, encoding/json reads the one object %q", line, m.Params, wantParams)
	}
	if m.Method != "" && (m.paramsErr == "") != (wantParams != nil) {
		t.Fatalf("%q: params error %q, but encoding/json reads params %q", line, m.paramsErr, obj["params"])
	}
	if !bytes.Equal(m.Result, obj["result"]) {
		t.Fatalf("%q: result %q, encoding/json reads %q", line, m.Result, obj["result"])
	}
	raw, ok := obj["error"]
	if !ok || string(raw) == "null" {
		if m.Error != nil {
			t.Fatalf("%q: error %+v, but the line has none", line, m.Error)
		}
		return
	}
	if m.Error == nil {
		t.Fatalf("%q: no error, encoding/json reads %q", line, raw)
	}
	var message string
	if json.Unmarshal(raw, &message) == nil {
		if m.Error.Code != 0 || m.Error.Message != message || m.Error.Data != nil {
			t.Fatalf("%q: error %+v, want the message %q", line, m.Error, message)
		}
		return
	}
	// Anything but a string or an object is kept as its JSON text.
	var e map[string]json.RawMessage
	if json.Unmarshal(raw, &e) != nil || raw[0] != '{' {
		if m.Error.Code != 0 || m.Error.Message != string(raw) || m.Error.Data != nil {
			t.Fatalf("%q: error %+v, want the message %q", line, m.Error, raw)
		}
		return
	}
	// An object: its "message" if a string, else its JSON text; its "code"
	// if an integer (a code that is not is left to the reader); its "data"
	// unless null.
	message = string(raw)
	if msg := e["message"]; len(msg) > 0 && msg[0] == '"' {
		if err := json.Unmarshal(msg, &message); err != nil {
			t.Fatalf("%q: error message %q: %v", line, msg, err)
		}
	}
	data := e["data"]
	if string(data) == "null" {
		data = nil
	}
	var code int64
	codeKnown := json.Unmarshal(e["code"], &code) == nil
	if codeKnown && m.Error.Code != code || m.Error.Message != message || !bytes.Equal(m.Error.Data, data) {
		t.Fatalf("%q: error %d %q data %q, encoding/json reads %d %q data %q",
			line, m.Error.Code, m.Error.Message, m.Error.Data, code, message, data)
	}
}

// TestAppendStringMatchesEncodingJSON: what the writer puts on the wire for
// a string is byte for byte what encoding/json (HTML escaping off) writes,
// for each kind of character appendString treats apart. (\b and \f are left
// out: encoding/json spells them short, appendString as \u0008 and \u000c,
// both valid; and encoding/json escapes the U+FFFD that replaces an invalid
// byte, appendString writes it as is.)
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"b\`, "a\nb\rc\td", "\x00\x01\x1f\x7f", "<&>",
		"é€𝄞", "bad\xffbyte", "\xfe", "cut\xe2\x82", "ls\u2028ps\u2029end", "\u2028", "\ufffd", "x\x80y",
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		wantLine := strings.ReplaceAll(strings.TrimSuffix(want.String(), "\n"), `\ufffd`, "\ufffd")
		if got := appendString([]byte("x"), s); string(got) != "x"+wantLine {
			t.Errorf("appendString(%q) = %s, want %s", s, got[1:], wantLine)
		}
	}
}
