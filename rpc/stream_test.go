package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestStreamWritesPinnedShapes(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(strings.NewReader(""), &out, 0, nil)
	for _, m := range []*Message{
		{ID: []byte("5"), Method: "vbank.GetBalance", Params: []byte(`{"address":"agoric1abc123","denom":"uist"}`)},
		{Method: "slog.Write", Params: []byte(`{"entries":[]}`)},
		{ID: []byte("5"), Result: []byte(`"654321"`)},
		{ID: []byte("6")},
		{ID: []byte("7"), Error: &Error{Code: -32001, Message: "shutting\ndown \"now\""}},
	} {
		if err := s.WriteMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"id":5,"method":"vbank.GetBalance","params":[{"address":"agoric1abc123","denom":"uist"}]}
{"id":null,"method":"slog.Write","params":[{"entries":[]}]}
{"id":5,"result":"654321","error":null}
{"id":6,"result":null,"error":null}
{"id":7,"result":null,"error":{"code":-32001,"message":"shutting\ndown \"now\""}}
`
	if out.String() != want {
		t.Fatalf("wrote:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestStreamReadsV1Shapes(t *testing.T) {
	in := `{"id": 123, "method": "vbank.GetBalance", "params": [{"address": "agoric1abc123", "denom": "uist"}]}

{"method":"slog.Write","params":[{"entries":[]}],"x":{"y":[1,2]}}
{"id":1,"result":null,"error":{"code":-32003,"message":"height mismatch","data":[1]}}
{"id":2,"error":"plain"}
{"id":3,"method":"a","params":[{}, {}]}
`
	s := NewStream(strings.NewReader(in), io.Discard, 0, nil)
	var ms []Message
	for {
		var m Message
		err := s.ReadMessage(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	if len(ms) != 5 {
		t.Fatalf("read %d messages, want 5", len(ms))
	}
	if m := ms[0]; string(m.ID) != "123" || m.Method != "vbank.GetBalance" || string(m.Params) != `{"address": "agoric1abc123", "denom": "uist"}` || m.IsNotification() {
		t.Errorf("request: %+v", m)
	}
	if m := ms[1]; !m.IsNotification() || string(m.Params) != `{"entries":[]}` {
		t.Errorf("notification: %+v", m)
	}
	if m := ms[2]; !m.IsResponse() || m.Error.Code != CodeHeightMismatch || string(m.Error.Data) != "[1]" {
		t.Errorf("error response: %+v %+v", m, m.Error)
	}
	if m := ms[3]; m.Error == nil || m.Error.Message != "plain" {
		t.Errorf("string error: %+v", m)
	}
	if m := ms[4]; m.paramsErr == "" || m.Params != nil {
		t.Errorf("two params objects accepted: %+v", m)
	}
}

func TestStreamCutLine(t *testing.T) {
	s := NewStream(strings.NewReader(`{"id":1,"res`), io.Discard, 0, nil)
	var m Message
	if err := s.ReadMessage(&m); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want ErrUnexpectedEOF", err)
	}
}

// TestStreamWritesIndentedRawAsOneLine: raw JSON holding newlines (indented
// params, a result read from a file) still goes out as one line, so the
// peer's reader stays in step.
func TestStreamWritesIndentedRawAsOneLine(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(strings.NewReader(""), &out, 0, nil)
	indented := json.RawMessage("{\n  \"a\": [\n    1\n  ]\n}")
	if err := s.writeCall(1, "m", indented); err != nil {
		t.Fatal(err)
	}
	if err := s.writeResult([]byte("2"), indented); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteMessage(&Message{ID: []byte("3"), Method: "m", Params: indented}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteMessage(&Message{ID: []byte("4"), Result: indented}); err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"method":"m","params":[{"a":[1]}]}
{"id":2,"result":{"a":[1]},"error":null}
{"id":3,"method":"m","params":[{"a":[1]}]}
{"id":4,"result":{"a":[1]},"error":null}
`
	if out.String() != want {
		t.Fatalf("wrote:\n%s\nwant:\n%s", out.String(), want)
	}
	if err := s.WriteMessage(&Message{ID: []byte("5"), Result: json.RawMessage("[1,\n")}); err == nil {
		t.Fatal("invalid raw JSON with a newline was written")
	}
}

// TestStreamRefusesLongLineBeforeItEnds: a line over the maximum is refused
// once maxLine+1 bytes are in, without waiting for its newline or for the
// read buffer to fill.
func TestStreamRefusesLongLineBeforeItEnds(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	s := NewStream(r, io.Discard, 10, nil)
	go w.Write([]byte("01234567890")) // 11 bytes, no newline, then the writer waits
	read := make(chan error, 1)
	go func() {
		var m Message
		read <- s.ReadMessage(&m)
	}()
	var err error
	select {
	case err = <-read:
	case <-time.After(5 * time.Second):
		r.CloseWithError(errors.New("test gave up"))
		t.Fatal("the reader still waits for the rest of a line already over the maximum")
	}
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != CodeParseError || string(pe.Head) != "01234567890" {
		t.Fatalf("got %v, want a -32700 protocol error with the line's head", err)
	}
}

// TestStreamWritesMissingParamsAndData: a request without params carries
// one empty object (the pinned shape has exactly one); an error's data is
// written when set.
func TestStreamWritesMissingParamsAndData(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(strings.NewReader(""), &out, 0, nil)
	for _, m := range []*Message{
		{ID: []byte("8"), Method: "m.N"},
		{Error: &Error{Code: 1, Message: "m", Data: []byte(`{"k":1}`)}},
		{ID: []byte("9"), Method: "m.N", Params: []byte("\n{\"a\": 1}")}, // a newline first is compacted too
	} {
		if err := s.WriteMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"id":8,"method":"m.N","params":[{}]}
{"id":null,"result":null,"error":{"code":1,"message":"m","data":{"k":1}}}
{"id":9,"method":"m.N","params":[{"a":1}]}
`
	if out.String() != want {
		t.Fatalf("wrote:\n%s\nwant:\n%s", out.String(), want)
	}
}

type closeCounter int

func (c *closeCounter) Close() error { *c++; return errors.New("closed") }

// TestStreamClose closes what it was given, and nothing when given nil.
func TestStreamClose(t *testing.T) {
	if err := NewStream(strings.NewReader(""), io.Discard, 0, nil).Close(); err != nil {
		t.Fatalf("no closer: %v", err)
	}
	var c closeCounter
	if err := NewStream(strings.NewReader(""), io.Discard, 0, &c).Close(); err == nil || c != 1 {
		t.Fatalf("closer: err %v, %d closes; want its error and 1", err, c)
	}
}

// TestStreamLineOfExactlyMaxAcrossReads: a line of exactly maxLine bytes
// whose newline comes in a later read is read, not refused early.
func TestStreamLineOfExactlyMaxAcrossReads(t *testing.T) {
	line := `{"id":1,"result":2}`
	s := NewStream(io.MultiReader(strings.NewReader(line), strings.NewReader("\n")), io.Discard, len(line), nil)
	var m Message
	if err := s.ReadMessage(&m); err != nil || string(m.ID) != "1" || string(m.Result) != "2" {
		t.Fatalf("ReadMessage: %v, %+v", err, m)
	}
}

// TestStreamWritesNilRawResultAsNull: a handler's nil json.RawMessage
// result is JSON null, as encoding/json writes it, not an empty value; a
// non-empty one is copied, not re-encoded.
func TestStreamWritesNilRawResultAsNull(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(strings.NewReader(""), &out, 0, nil)
	if err := s.writeResult([]byte("3"), json.RawMessage(nil)); err != nil {
		t.Fatal(err)
	}
	// A json.RawMessage on one line goes in as is, spaces and all.
	if err := s.writeResult([]byte("4"), json.RawMessage(`{ "a": [1, 2] }`)); err != nil {
		t.Fatal(err)
	}
	if want := "{\"id\":3,\"result\":null,\"error\":null}\n{\"id\":4,\"result\":{ \"a\": [1, 2] },\"error\":null}\n"; out.String() != want {
		t.Fatalf("wrote %q, want %q", out.String(), want)
	}
}

// TestStreamDropsOnlyHugeWriteBuffers: the buffer a huge result was encoded
// in is not kept for the connection's life, while an ordinary one is reused
// (kept, not reallocated for each message). Both lines are written whole.
func TestStreamDropsOnlyHugeWriteBuffers(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(strings.NewReader(""), &out, 0, nil)
	huge := strings.Repeat("x", 2*keepWriteBuf)
	if err := s.writeResult([]byte("1"), huge); err != nil {
		t.Fatal(err)
	}
	if c := s.wbuf.Cap(); c > keepWriteBuf {
		t.Errorf("after a %d-byte result the write buffer keeps %d bytes, want at most %d", len(huge), c, keepWriteBuf)
	}
	if err := s.writeResult([]byte("2"), 42); err != nil {
		t.Fatal(err)
	}
	if s.wbuf.Cap() == 0 {
		t.Error("an ordinary result's write buffer was dropped, not kept for the next message")
	}
	if want := `{"id":1,"result":"` + huge + "\",\"error\":null}\n" + `{"id":2,"result":42,"error":null}` + "\n"; out.String() != want {
		t.Errorf("wrote %d bytes, want the two lines (%d bytes)", out.Len(), len(want))
	}
}

// failingWriter fails every write, as a pipe whose reader is gone does.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestStreamWriteErrorNamesTheWrite: a failed write(2) comes back saying it
// was the write, wrapping the writer's error.
func TestStreamWriteErrorNamesTheWrite(t *testing.T) {
	broken := errors.New("broken pipe")
	s := NewStream(strings.NewReader(""), failingWriter{broken}, 0, nil)
	err := s.WriteMessage(&Message{ID: []byte("1"), Result: []byte("2")})
	var werr *writeError
	if !errors.As(err, &werr) || !errors.Is(err, broken) || err.Error() != "rpc: write: broken pipe" {
		t.Fatalf("WriteMessage to a broken writer = %v, want a *writeError %q wrapping it", err, "rpc: write: broken pipe")
	}
}
