package rpc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/agd-project/agd/internal/jsonscan"
)

// Message is one line of the wire in either direction. Its JSON members are
// kept as raw bytes so a message is decoded once, by whoever finally needs
// the values.
type Message struct {
	// ID is the raw "id" member: nil when absent, "null" for a notification.
	ID json.RawMessage
	// Method is set for requests and notifications, empty for responses.
	Method string
	// Params is the one object inside the "params" array.
	Params json.RawMessage
	// Result is the raw "result" of a response; nil when absent.
	Result json.RawMessage
	// Error is the "error" of a response; nil when absent or null.
	Error *Error

	// paramsErr says what is wrong with "params" when it is not an array
	// holding exactly one object. It is answered with -32602, not fatal.
	paramsErr string
}

// IsNotification reports whether m is a request that wants no response:
// one with a method whose id is null or missing.
func (m *Message) IsNotification() bool { return m.Method != "" && isNull(m.ID) }

// IsResponse reports whether m answers a request.
func (m *Message) IsResponse() bool { return m.Method == "" }

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// parseMessage splits line into m's members in one pass, validating the JSON
// on the way. Unknown members are skipped. Errors are *ProtocolError.
func parseMessage(line []byte, m *Message) error {
	*m = Message{}
	i := jsonscan.SkipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		if end, err := jsonscan.SkipValue(line, i, 0); err == nil && jsonscan.SkipSpace(line, end) == len(line) {
			return newProtocolError(CodeInvalidRequest, "message is not a JSON object", line)
		}
		return newProtocolError(CodeParseError, "not JSON: "+jsonscan.ErrAt(line, i, "'{'").Error(), line)
	}
	var hasMethod, hasError bool
	var errRaw []byte
	var shapeErr string // reported only once the whole line is known to be JSON
	i = jsonscan.SkipSpace(line, i+1)
	for i >= len(line) || line[i] != '}' { // until the object's end
		if i >= len(line) || line[i] != '"' {
			return parseErr(line, jsonscan.ErrAt(line, i, "a member name"))
		}
		keyEnd, err := jsonscan.SkipString(line, i)
		if err != nil {
			return parseErr(line, err)
		}
		key := line[i+1 : keyEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(line[i:keyEnd], &s); err != nil {
				return parseErr(line, err)
			}
			key = []byte(s)
		}
		i = jsonscan.SkipSpace(line, keyEnd)
		if i >= len(line) || line[i] != ':' {
			return parseErr(line, jsonscan.ErrAt(line, i, "':'"))
		}
		start := jsonscan.SkipSpace(line, i+1)
		var end int
		if string(key) == "params" && start < len(line) && line[start] == '[' {
			end, err = m.scanParams(line, start)
		} else {
			end, err = jsonscan.SkipValue(line, start, 0)
		}
		if err != nil {
			return parseErr(line, err)
		}
		val := line[start:end]
		switch string(key) {
		case "id":
			switch val[0] {
			case '"', 'n':
				m.ID = val
			case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				// A number id must fit a float64, or a JS peer could not echo it.
				if _, err := strconv.ParseFloat(string(val), 64); err != nil {
					shapeErr = "id is a number out of range"
					break
				}
				m.ID = val
			default:
				shapeErr = "id is neither a number, a string nor null"
			}
		case "method":
			if val[0] != '"' {
				shapeErr = "method is not a string"
				break
			}
			if m.Method, err = unquote(val); err != nil {
				return parseErr(line, err)
			}
			hasMethod = true
		case "params":
			if val[0] != '[' {
				m.Params, m.paramsErr = nil, "params is not an array"
			}
		case "result":
			m.Result = val
		case "error":
			errRaw, hasError = val, string(val) != "null"
		}
		i = jsonscan.SkipSpace(line, end)
		if i >= len(line) || line[i] != ',' && line[i] != '}' {
			return parseErr(line, jsonscan.ErrAt(line, i, "',' or '}'"))
		}
		if line[i] == ',' {
			if i = jsonscan.SkipSpace(line, i+1); i < len(line) && line[i] == '}' {
				return parseErr(line, jsonscan.ErrAt(line, i, "a member name"))
			}
		}
	}
	if i = jsonscan.SkipSpace(line, i+1); i != len(line) {
		return parseErr(line, jsonscan.ErrAt(line, i, "end of line"))
	}
	if shapeErr != "" {
		return newProtocolError(CodeInvalidRequest, shapeErr, line)
	}
	if hasError {
		m.Error = decodeError(errRaw)
	}
	switch {
	case hasMethod && m.Method == "":
		return newProtocolError(CodeInvalidRequest, "method is empty", line)
	case hasMethod:
		if m.Params == nil && m.paramsErr == "" {
			m.paramsErr = "params is missing"
		}
	case isNull(m.ID) && m.Error != nil:
		return newProtocolError(CodeInvalidRequest, "peer reported an error without an id: "+m.Error.Error(), line)
	case isNull(m.ID):
		return newProtocolError(CodeInvalidRequest, "message has neither a method nor an id", line)
	}
	return nil
}

// scanParams skips the params array at line[start] and records its only
// element when the array holds exactly one object. A repeated "params"
// member replaces what an earlier one recorded, as its last value wins.
func (m *Message) scanParams(line []byte, start int) (int, error) {
	m.Params, m.paramsErr = nil, ""
	i := jsonscan.SkipSpace(line, start+1)
	n := 0
	var first []byte
	if i < len(line) && line[i] == ']' {
		i++
	} else {
		for {
			elemEnd, err := jsonscan.SkipValue(line, i, 1)
			if err != nil {
				return elemEnd, err
			}
			if n == 0 {
				first = line[i:elemEnd]
			}
			n++
			i = jsonscan.SkipSpace(line, elemEnd)
			if i >= len(line) {
				return i, jsonscan.ErrAt(line, i, "',' or ']'")
			}
			if line[i] == ']' {
				i++
				break
			}
			if line[i] != ',' {
				return i, jsonscan.ErrAt(line, i, "',' or ']'")
			}
			i = jsonscan.SkipSpace(line, i+1)
		}
	}
	switch {
	case n != 1:
		m.paramsErr = "params holds " + strconv.Itoa(n) + " values, want exactly one object"
	case first[0] != '{':
		m.paramsErr = "params holds a value that is not an object"
	default:
		m.Params = first
	}
	return i, nil
}

func parseErr(line []byte, err error) error {
	return newProtocolError(CodeParseError, "not JSON: "+err.Error(), line)
}

// unquote decodes a JSON string, taking the allocation-only path when it
// holds no escapes and is valid UTF-8 (encoding/json replaces invalid bytes
// with U+FFFD, so those take the slow path to read the same).
func unquote(raw []byte) (string, error) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// decodeError reads the "error" member leniently: JSON-RPC 1.0 allows any
// value, so a string becomes the message and anything unrecognised is kept
// as its JSON text. An object's members are matched by their exact names,
// the last of a repeated one winning, as encoding/json reads a map.
func decodeError(raw []byte) *Error {
	if raw[0] == '"' {
		s, err := unquote(raw)
		if err == nil {
			return &Error{Message: s}
		}
	}
	var obj map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return &Error{Message: string(raw)}
	}
	e := &Error{Data: obj["data"]}
	if isNull(e.Data) {
		e.Data = nil
	}
	code := string(obj["code"])
	if c, err := strconv.ParseInt(code, 10, 64); err == nil {
		e.Code = c
	} else if f, err := strconv.ParseFloat(code, 64); err == nil {
		e.Code = int64(f)
	}
	if msg := obj["message"]; len(msg) > 0 && msg[0] == '"' {
		e.Message, _ = unquote(msg)
	} else {
		e.Message = string(raw)
	}
	return e
}

// The append functions below write the pinned shapes byte for byte. Each
// builds the whole line so a Stream writes it with one write(2).

func appendRequestHead(b []byte, id []byte, method string) []byte {
	b = append(b, `{"id":`...)
	if len(id) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, id...)
	}
	b = append(b, `,"method":`...)
	b = appendString(b, method)
	return append(b, `,"params":[`...)
}

const requestTail = "]}\n"

func appendResultResponse(b []byte, id, result []byte) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"result":`...)
	if len(result) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, result...)
	}
	return append(b, ",\"error\":null}\n"...)
}

func appendErrorResponse(b []byte, id []byte, e *Error) []byte {
	b = append(b, `{"id":`...)
	if len(id) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, id...)
	}
	b = append(b, `,"result":null,"error":{"code":`...)
	b = strconv.AppendInt(b, e.Code, 10)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	if len(e.Data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, e.Data...)
	}
	return append(b, "}}\n"...)
}

// appendString appends s as a JSON string. Like encoding/json with HTML
// escaping off, it escapes only what JSON requires and replaces invalid
// UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
