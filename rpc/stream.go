package rpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/agd-project/agd/internal/jsonscan"
	"github.com/sourcegraph/jsonrpc2"
)

// DefaultMaxLine is the longest line a Stream reads unless told otherwise.
const DefaultMaxLine = 64 << 20

// readBufSize is the bufio size: big enough that a slog batch usually
// arrives in one read, small enough to cost nothing per connection.
const readBufSize = 64 << 10

// keepWriteBuf is the largest write buffer kept between messages; a rare
// huge message should not pin its memory for the connection's life.
const keepWriteBuf = 1 << 20

// Stream reads and writes the pinned JSON-RPC 1.0 lines: newline-delimited,
// each written whole with one Write. Reads are for one goroutine; writes may
// come from many.
type Stream struct {
	r       *bufio.Reader
	maxLine int

	w    io.Writer
	mu   sync.Mutex // serialises writes so lines never interleave
	wbuf bytes.Buffer
	enc  *json.Encoder

	closer io.Closer
}

var _ jsonrpc2.ObjectStream = (*Stream)(nil)

// NewStream reads lines from r and writes them to w. maxLine ≤ 0 means
// DefaultMaxLine. Close closes closer, which may be nil.
func NewStream(r io.Reader, w io.Writer, maxLine int, closer io.Closer) *Stream {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	s := &Stream{r: bufio.NewReaderSize(r, readBufSize), maxLine: maxLine, w: w, closer: closer}
	s.enc = json.NewEncoder(&s.wbuf)
	s.enc.SetEscapeHTML(false)
	return s
}

// ReadMessage reads the next message into m. Its raw members point into a
// buffer that belongs to m from then on, so handlers may keep them. Errors
// are the reader's (io.EOF when the peer closed between lines) or
// *ProtocolError.
func (s *Stream) ReadMessage(m *Message) error {
	for {
		line, err := s.readLine()
		if err != nil {
			return err
		}
		if jsonscan.SkipSpace(line, 0) == len(line) {
			continue // blank lines carry nothing; tolerate them
		}
		return parseMessage(line, m)
	}
}

// readLine returns the next line without its '\n', in a fresh slice. It
// looks at every read as it arrives, so a line over the maximum is refused
// as soon as its first maxLine+1 bytes are in, even if the peer then waits:
// the peer's reader does the same, and a stuck peer must not look alive.
func (s *Stream) readLine() ([]byte, error) {
	var acc []byte
	for {
		if _, err := s.r.Peek(1); err != nil { // waits for the next read
			if len(acc) == 0 {
				return nil, err
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("rpc: line cut short after %d bytes: %w", len(acc), err)
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		if nl := bytes.IndexByte(buf, '\n'); nl >= 0 {
			n := len(acc) + nl
			if n > s.maxLine {
				return nil, s.tooLong(acc, buf[:nl])
			}
			line := make([]byte, n, n+1)
			copy(line[copy(line, acc):], buf[:nl])
			s.r.Discard(nl + 1)
			return line, nil
		}
		if len(acc)+len(buf) > s.maxLine {
			return nil, s.tooLong(acc, buf)
		}
		acc = append(acc, buf...)
		s.r.Discard(len(buf))
	}
}

func (s *Stream) tooLong(acc, chunk []byte) error {
	head := acc
	if len(head) < headLen {
		head = append(head, chunk[:min(len(chunk), headLen-len(head))]...)
	}
	return newProtocolError(CodeParseError, "line longer than "+strconv.Itoa(s.maxLine)+" bytes", head)
}

// WriteMessage writes m in its pinned shape: a request or notification when
// m.Method is set, else a response.
func (s *Stream) WriteMessage(m *Message) error {
	params, err := oneLine(m.Params)
	if err != nil {
		return err
	}
	result, err := oneLine(m.Result)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.wbuf.AvailableBuffer()
	switch {
	case m.Method != "":
		b = appendRequestHead(b, m.ID, m.Method)
		if len(params) == 0 {
			b = append(b, "{}"...)
		} else {
			b = append(b, params...)
		}
		b = append(b, requestTail...)
	case m.Error != nil:
		b = appendErrorResponse(b, m.ID, m.Error)
	default:
		b = appendResultResponse(b, m.ID, result)
	}
	return s.writeLocked(b)
}

// writeCall writes a request (id ≥ 1) or a notification (id 0), encoding
// params straight into the line buffer.
func (s *Stream) writeCall(id uint64, method string, params any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wbuf.Reset()
	b := s.wbuf.AvailableBuffer()
	if id == 0 {
		b = appendRequestHead(b, nil, method)
	} else {
		var idBuf [20]byte
		b = appendRequestHead(b, strconv.AppendUint(idBuf[:0], id, 10), method)
	}
	s.wbuf.Write(b)
	if err := s.encodeValue(params, "params"); err != nil {
		return err
	}
	s.wbuf.WriteString(requestTail)
	return s.writeLocked(s.wbuf.Bytes())
}

// writeResult writes a success response carrying result.
func (s *Stream) writeResult(id []byte, result any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wbuf.Reset()
	b := append(s.wbuf.AvailableBuffer(), `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"result":`...)
	s.wbuf.Write(b)
	if err := s.encodeValue(result, "result"); err != nil {
		return err
	}
	s.wbuf.WriteString(",\"error\":null}\n")
	return s.writeLocked(s.wbuf.Bytes())
}

// encodeValue appends v's JSON to wbuf. json.RawMessage goes in as is, which
// is how a caller forwards bytes it already holds. role ("params" or
// "result") names the value in errors; params must be an object, as the
// protocol pins.
func (s *Stream) encodeValue(v any, role string) error {
	start := s.wbuf.Len()
	if raw, ok := v.(json.RawMessage); ok && len(raw) > 0 {
		line, err := oneLine(raw)
		if err != nil {
			s.wbuf.Reset()
			return fmt.Errorf("rpc: encoding %s: %w", role, err)
		}
		s.wbuf.Write(line)
	} else if err := s.enc.Encode(v); err != nil {
		s.wbuf.Reset()
		return fmt.Errorf("rpc: encoding %s: %w", role, err)
	} else {
		s.wbuf.Truncate(s.wbuf.Len() - 1) // Encode's '\n'
	}
	if role == "params" {
		if b := s.wbuf.Bytes()[start:]; b[0] != '{' {
			s.wbuf.Reset()
			return fmt.Errorf("rpc: params must encode to a JSON object, not %.20s", b)
		}
	}
	return nil
}

// oneLine returns raw compacted when it holds a newline (indented JSON),
// since a line is a whole message.
func oneLine(raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '\n') < 0 {
		return raw, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, fmt.Errorf("rpc: raw JSON with a newline: %w", err)
	}
	return b.Bytes(), nil
}

// writeLocked writes one whole line; s.mu is held.
func (s *Stream) writeLocked(b []byte) error {
	_, err := s.w.Write(b)
	if s.wbuf.Cap() > keepWriteBuf {
		s.wbuf = bytes.Buffer{}
		s.enc = json.NewEncoder(&s.wbuf)
		s.enc.SetEscapeHTML(false)
	} else {
		s.wbuf.Reset()
	}
	if err != nil {
		return &writeError{err}
	}
	return nil
}

// writeError is a failed write(2): unlike an encoding error, it may have
// left part of a line on the wire.
type writeError struct{ err error }

func (e *writeError) Error() string { return "rpc: write: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// Close closes the underlying closer.
func (s *Stream) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// WriteObject is jsonrpc2.ObjectStream's write; obj must be a *Message.
func (s *Stream) WriteObject(obj any) error {
	m, ok := obj.(*Message)
	if !ok {
		return fmt.Errorf("rpc: WriteObject wants *rpc.Message, not %T", obj)
	}
	return s.WriteMessage(m)
}

// ReadObject is jsonrpc2.ObjectStream's read; v must be a *Message.
func (s *Stream) ReadObject(v any) error {
	m, ok := v.(*Message)
	if !ok {
		return fmt.Errorf("rpc: ReadObject wants *rpc.Message, not %T", v)
	}
	return s.ReadMessage(m)
}
