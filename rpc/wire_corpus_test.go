package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agd-project/agd/internal/jsonscan"
)

// corpusPath is the wire corpus both ends run (agvm/test/wire-corpus.test.js
// reads the same file); its format is in testdata/wire/README.md.
const corpusPath = "../testdata/wire/cases.json"

type wireCorpus struct {
	DefaultMaxLine int `json:"default_max_line"`
	Probe          struct {
		Send   string `json:"send"`
		Answer string `json:"answer"`
	} `json:"probe"`
	Cases []wireCase `json:"cases"`
}

type wireCase struct {
	Name    string `json:"name"`
	Rule    string `json:"rule"`
	MaxLine int    `json:"max_line"`
	Calls   []struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Notify bool            `json:"notify"`
	} `json:"calls"`
	Input  []string `json:"input"`
	Raw    *string  `json:"raw"`
	Expect struct {
		Written     []json.RawMessage `json:"written"`
		CallResults []json.RawMessage `json:"call_results"`
		Log         bool              `json:"log"`
		End         json.RawMessage   `json:"end"`
	} `json:"expect"`
}

// bytes is what the peer writes in this case.
func (c *wireCase) bytes() []byte {
	if c.Raw != nil {
		return []byte(*c.Raw)
	}
	var b []byte
	for _, l := range c.Input {
		b = append(append(b, l...), '\n')
	}
	return b
}

func loadWireCorpus(t testing.TB) *wireCorpus {
	t.Helper()
	b, err := os.ReadFile(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	var c wireCorpus
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", corpusPath, err)
	}
	if len(c.Cases) == 0 {
		t.Fatalf("%s holds no cases", corpusPath)
	}
	return &c
}

// TestWireCorpus runs every case of the shared wire corpus against a real
// Conn over os.Pipe: the test is the peer, writing the case's lines and
// reading what the Conn writes back.
func TestWireCorpus(t *testing.T) {
	corpus := loadWireCorpus(t)
	if corpus.DefaultMaxLine != DefaultMaxLine {
		t.Errorf("corpus default_max_line %d, DefaultMaxLine %d", corpus.DefaultMaxLine, DefaultMaxLine)
	}
	for _, wc := range corpus.Cases {
		t.Run(wc.Name, func(t *testing.T) {
			t.Parallel()
			runWireCase(t, corpus, &wc)
		})
	}
}

// corpusService is the corpus's test service on a Mux.
func corpusService() *Mux {
	var mu sync.Mutex
	var seen []json.RawMessage
	record := func(_ context.Context, raw json.RawMessage) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, raw)
		return nil, nil
	}
	m := NewMux()
	HandleRaw(m, "test.Echo", func(_ context.Context, raw json.RawMessage) (any, error) { return raw, nil })
	HandleRaw(m, "test.Note", record)
	HandleRaw(m, "vbank.BalanceUpdate", record)
	HandleRaw(m, "test.Seen", func(context.Context, json.RawMessage) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		return append([]json.RawMessage{}, seen...), nil
	})
	type fail struct {
		Code    int64           `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data,omitempty"`
	}
	Handle(m, "test.Fail", func(_ context.Context, p fail) (any, error) {
		return nil, &Error{Code: p.Code, Message: p.Message, Data: p.Data}
	})
	Handle(m, "test.Crash", func(context.Context, struct{}) (any, error) {
		return nil, errors.New("test.Crash: disk on fire")
	})
	return m
}

// lineSink collects the lines a Conn writes.
type lineSink struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func (s *lineSink) read(f *os.File) {
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		s.mu.Lock()
		s.lines = append(s.lines, sc.Text())
		s.mu.Unlock()
		select {
		case s.more <- struct{}{}:
		default:
		}
	}
}

func (s *lineSink) get() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// waitFor waits until a written line equals line.
func (s *lineSink) waitFor(t *testing.T, line string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		for _, l := range s.get() {
			if l == line {
				return
			}
		}
		select {
		case <-s.more:
		case <-deadline:
			t.Fatalf("no %s within %v; written:\n%s", line, d, strings.Join(s.get(), "\n"))
		}
	}
}

type callOutcome struct {
	result json.RawMessage
	err    error
}

func runWireCase(t *testing.T, corpus *wireCorpus, wc *wireCase) {
	toConnR, toConnW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromConnR, fromConnW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { toConnW.Close(); fromConnR.Close() })
	logs := &logBuffer{}
	opts := []Option{WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}
	if wc.MaxLine > 0 {
		opts = append(opts, WithMaxLine(wc.MaxLine))
	}
	c := NewConn(toConnR, fromConnW, corpusService(), opts...)
	t.Cleanup(func() { c.Close() })
	sink := &lineSink{more: make(chan struct{}, 1)}
	go sink.read(fromConnR)

	ctx := ctxFor(t, 10*time.Second)
	outcomes := make([]chan callOutcome, len(wc.Calls))
	nWrites := 0
	for i, call := range wc.Calls {
		if call.Notify {
			if err := c.Notify(ctx, call.Method, call.Params); err != nil {
				t.Fatal(err)
			}
		} else {
			ch := make(chan callOutcome, 1)
			outcomes[i] = ch
			go func() {
				var r json.RawMessage
				err := c.Call(ctx, call.Method, call.Params, &r)
				ch <- callOutcome{r, err}
			}()
		}
		// Calls are written in order: wait for each line before the next call.
		nWrites++
		for deadline := time.Now().Add(5 * time.Second); len(sink.get()) < nWrites; {
			if time.Now().After(deadline) {
				t.Fatalf("call %d was not written", i)
			}
			time.Sleep(time.Millisecond)
		}
	}

	if _, err := toConnW.Write(wc.bytes()); err != nil {
		t.Fatal(err)
	}
	var wantClose struct {
		Closed int64   `json:"closed"`
		Head   *string `json:"head"`
	}
	open := string(wc.Expect.End) == `"open"`
	if open {
		if _, err := toConnW.Write([]byte(corpus.Probe.Send + "\n")); err != nil {
			t.Fatal(err)
		}
		sink.waitFor(t, corpus.Probe.Answer, 5*time.Second)
		if err := c.Err(); err != nil {
			t.Fatalf("connection closed: %v", err)
		}
	} else {
		if err := json.Unmarshal(wc.Expect.End, &wantClose); err != nil || wantClose.Closed == 0 {
			t.Fatalf("bad expect.end %s", wc.Expect.End)
		}
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("connection still open; want it closed with %d", wantClose.Closed)
		}
		var pe *ProtocolError
		if !errors.As(c.Err(), &pe) {
			t.Fatalf("closed with %v, want a *ProtocolError", c.Err())
		}
		if pe.Code != wantClose.Closed {
			t.Errorf("closed with code %d (%v), want %d", pe.Code, pe, wantClose.Closed)
		}
		if wantClose.Head != nil && string(pe.Head) != *wantClose.Head {
			t.Errorf("protocol error head %q, want %q", pe.Head, *wantClose.Head)
		}
		if !strings.Contains(logs.String(), "protocol error") {
			t.Errorf("protocol error not logged; log:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond) // anything wrongly written after the close shows now
	}

	got := sink.get()
	if open {
		got = got[:len(got)-1] // the probe's answer, checked above
	}
	checkWritten(t, got, wc.Expect.Written)

	for i, want := range wc.Expect.CallResults {
		checkCallResult(t, i, outcomes[i], want)
	}
	if wc.Expect.Log && logs.String() == "" {
		t.Errorf("nothing was logged")
	}
}

// checkWritten compares the lines the Conn wrote with the corpus's: a
// string is a whole line compared as JSON (top-level members in the pinned
// order), {"id", "error": code} an error response with that code.
func checkWritten(t *testing.T, got []string, want []json.RawMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("wrote %d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		line := got[i]
		if w[0] == '"' {
			var wantLine string
			if err := json.Unmarshal(w, &wantLine); err != nil {
				t.Fatal(err)
			}
			if !sameJSON(line, wantLine) || !sameKeys(line, wantLine) {
				t.Errorf("line %d: wrote\n  %s\nwant\n  %s", i, line, wantLine)
			}
			continue
		}
		var we struct {
			ID    json.RawMessage `json:"id"`
			Error int64           `json:"error"`
		}
		if err := json.Unmarshal(w, &we); err != nil {
			t.Fatal(err)
		}
		var g struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int64  `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &g); err != nil {
			t.Errorf("line %d is not JSON: %s", i, line)
			continue
		}
		if !sameJSON(string(g.ID), string(we.ID)) || string(g.Result) != "null" || g.Error == nil ||
			g.Error.Code != we.Error || g.Error.Message == "" || !keysAre(line, "id", "result", "error") {
			t.Errorf("line %d: wrote\n  %s\nwant an error response with id %s, code %d and a message", i, line, we.ID, we.Error)
		}
	}
}

func checkCallResult(t *testing.T, i int, ch chan callOutcome, want json.RawMessage) {
	t.Helper()
	if string(want) == "null" { // a notification: nothing to wait for
		return
	}
	if string(want) == `"pending"` {
		select {
		case o := <-ch:
			t.Errorf("call %d returned %s, %v; want it still waiting", i, o.result, o.err)
		case <-time.After(20 * time.Millisecond):
		}
		return
	}
	var o callOutcome
	select {
	case o = <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("call %d did not return", i)
	}
	var w struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	switch {
	case w.Error == nil:
		if o.err != nil || !sameJSON(string(o.result), string(w.Result)) {
			t.Errorf("call %d: got %s, %v; want result %s", i, o.result, o.err, w.Result)
		}
	case string(w.Error) == `"closed"`:
		var pe *ProtocolError
		if !errors.As(o.err, &pe) {
			t.Errorf("call %d: got %s, %v; want it failed by the close", i, o.result, o.err)
		}
	default:
		var we struct {
			Code    int64           `json:"code"`
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(w.Error, &we); err != nil {
			t.Fatal(err)
		}
		var e *Error
		if !errors.As(o.err, &e) || e.Code != we.Code || e.Message != we.Message || !sameJSON(string(e.Data), string(we.Data)) {
			t.Errorf("call %d: got %v (%#v); want error %s", i, o.err, e, w.Error)
		}
	}
}

// sameJSON reports whether a and b are the same JSON value, numbers
// compared as float64 values (2e3 is 2000), as a JS end reads them; two
// empty strings (absent values) are the same.
func sameJSON(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	va, ea := decodeAny(a)
	vb, eb := decodeAny(b)
	return ea == nil && eb == nil && reflect.DeepEqual(va, vb)
}

func decodeAny(s string) (any, error) {
	var v any
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}

// sameKeys reports whether two JSON objects list their top-level members in
// the same order.
func sameKeys(a, b string) bool {
	ka, kb := topKeys(a), topKeys(b)
	return ka != nil && reflect.DeepEqual(ka, kb)
}

func keysAre(line string, keys ...string) bool { return reflect.DeepEqual(topKeys(line), keys) }

func topKeys(s string) []string {
	b := []byte(s)
	if !json.Valid(b) {
		return nil
	}
	var keys []string
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil
	}
	for i = jsonscan.SkipSpace(b, i+1); i < len(b) && b[i] == '"'; {
		end, err := jsonscan.SkipString(b, i)
		if err != nil {
			return nil
		}
		k, _ := unquote(b[i:end])
		keys = append(keys, k)
		i = jsonscan.SkipSpace(b, end) + 1
		if i, err = jsonscan.SkipValue(b, jsonscan.SkipSpace(b, i), 1); err != nil {
			return nil
		}
		i = jsonscan.SkipSpace(b, jsonscan.SkipSpace(b, i)+1)
	}
	return keys
}
