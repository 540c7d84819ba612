// JSON-RPC 1.0 over a pair of byte streams, framed as one JSON object per
// line. This is the wire contract pinned in PROTOCOL.md ("Framing",
// "Messages"): we write exactly the pinned shapes and read leniently, the
// way agd's rpc package does (docs/protocol.md "How both ends read this
// contract").
// testdata/wire/cases.json holds the cases both ends must answer alike.
//
// The module knows nothing about agd or the kernel: it takes an input stream
// (something emitting 'data'/'end'), an output with write(buffer), and a
// handler for incoming requests/notifications. Incoming requests and
// notifications are handled one at a time in arrival order (so a
// BalanceUpdate notification can never overtake the EndBlock after it),
// while responses to our own outgoing calls are matched immediately: that is
// what lets a handler await a call to agd (a nested call) without deadlock.
//
// callSync is the other nested call: it blocks the whole process until the
// answer is read (opts.readSync), so a SwingSet device, which must answer a
// vat at once, can ask agd. It needs an output whose write() has put the
// bytes on the pipe when it returns (main.js writes synchronously): an
// answer to a request still queued in Node would never come.

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

// Error codes from PROTOCOL.md "Error codes".
export const ErrorCodes = Object.freeze({
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  SHUTTING_DOWN: -32001,
  NO_BLOCK_IN_PROGRESS: -32002,
  HEIGHT_MISMATCH: -32003,
});

/** An error that travels over the wire as {code, message, data?}. */
export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }

  toJSON() {
    const e = { code: this.code, message: this.message };
    if (this.data !== undefined) e.data = this.data;
    return e;
  }
}

/** Raised (via onProtocolError) when the peer breaks the framing. */
export class ProtocolError extends Error {
  /**
   * @param {number} code PARSE_ERROR or INVALID_REQUEST
   * @param {string} message
   * @param {Buffer} [head] the offending line's first 200 bytes
   */
  constructor(code, message, head) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    if (head !== undefined) this.head = head;
  }
}

/** How much of an offending line a ProtocolError keeps. */
const HEAD_BYTES = 200;

/**
 * The deepest nesting a line may have, counting the message object itself:
 * that object and 10000 levels inside it, as agd's rpc scanner allows
 * (rpc/scan.go maxDepth). Deeper is refused like a line that is not JSON,
 * before anyone parses or prints it.
 */
export const MAX_NESTING = 10001;

/** Whether a line's brackets nest deeper than MAX_NESTING. */
function nestedTooDeep(line) {
  if (line.length <= MAX_NESTING) return false; // each level takes a byte
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > MAX_NESTING) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

/** JSON text of a value the peer sent, or a note when it cannot be printed. */
function jsonText(v) {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return `(a value that cannot be printed: ${e.message})`;
  }
}

/**
 * Test-only escape hatch: a handler that returns a RawLine makes the
 * connection write that text as the line instead of a JSON response. Used
 * solely by fault injection (faults.js) to simulate a corrupted reply.
 */
export class RawLine {
  constructor(text) {
    this.text = String(text).replace(/\n/g, ' ');
  }
}

/**
 * Convert whatever the peer put in "error" into an RpcError. JSON-RPC 1.0
 * allows any value: a plain string is the message, with code 0 since the
 * peer gave none (0 is no code of the table, so it is never mistaken for
 * one); an object's numeric code is kept (0 when it has none), and a message
 * that is not a string, or an error that is neither, is kept as its JSON text.
 */
export function errorFromWire(error) {
  if (typeof error === 'string') return new RpcError(0, error);
  if (error && typeof error === 'object' && !Array.isArray(error)) {
    const code = typeof error.code === 'number' && Number.isFinite(error.code) ? Math.trunc(error.code) : 0;
    const message = typeof error.message === 'string' ? error.message : jsonText(error);
    return new RpcError(code, message, error.data === null ? undefined : error.data);
  }
  return new RpcError(0, jsonText(error));
}

/** Whether a line holds only JSON whitespace (it carries nothing). */
function isBlank(line) {
  for (const c of line) {
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/**
 * Why msg (a parsed JSON object) is not a message shape, or '' when it is
 * one: a request or notification has a non-empty string method; anything
 * without a method is a response and needs an id. An id is a number, a
 * string or null.
 */
function shapeError(msg) {
  const { id } = msg;
  if (id !== undefined && id !== null && typeof id !== 'number' && typeof id !== 'string') {
    return 'id is neither a number, a string nor null';
  }
  // 1e400 parses as Infinity, which cannot be echoed (it prints as null).
  if (typeof id === 'number' && !Number.isFinite(id)) return 'id is a number out of range';
  if (msg.method !== undefined) {
    if (typeof msg.method !== 'string') return 'method is not a string';
    if (msg.method === '') return 'method is empty';
    return '';
  }
  if (id === undefined || id === null) {
    return msg.error !== undefined && msg.error !== null
      ? `peer reported an error without an id: ${errorFromWire(msg.error).message}`
      : 'message has neither a method nor an id';
  }
  return '';
}

/**
 * The one object of a request's params, or an RpcError (-32602) saying why
 * params is not an array holding exactly one object.
 */
function paramsObject(params) {
  if (params === undefined) return new RpcError(ErrorCodes.INVALID_PARAMS, 'params is missing');
  if (!Array.isArray(params)) return new RpcError(ErrorCodes.INVALID_PARAMS, 'params is not an array');
  if (params.length !== 1) {
    return new RpcError(ErrorCodes.INVALID_PARAMS, `params holds ${params.length} values, want exactly one object`);
  }
  const p = params[0];
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    return new RpcError(ErrorCodes.INVALID_PARAMS, 'params holds a value that is not an object');
  }
  return p;
}

const NEWLINE = 0x0a;

/**
 * Split a byte stream into lines, enforcing a maximum line length without
 * ever holding more than maxLineBytes of an unfinished line.
 */
export class LineSplitter {
  constructor({ maxLineBytes = DEFAULT_MAX_LINE_BYTES, onLine, onTooLong }) {
    this.max = maxLineBytes;
    this.onLine = onLine;
    this.onTooLong = onTooLong;
    this.chunks = [];
    this.pending = 0; // bytes in this.chunks
    this.dead = false;
  }

  push(chunk) {
    let start = 0;
    while (!this.dead && start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (this.pending + (end - start) > this.max) {
        this.dead = true;
        const head = Buffer.concat([...this.chunks, chunk.subarray(start, end)]).subarray(0, 200);
        this.chunks = [];
        this.pending = 0;
        this.onTooLong(head);
        return;
      }
      if (nl === -1) {
        // Copy: the stream may reuse its buffer.
        this.chunks.push(Buffer.from(chunk.subarray(start)));
        this.pending += chunk.length - start;
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.chunks.length > 0) {
        line = Buffer.concat([...this.chunks, line]);
        this.chunks = [];
        this.pending = 0;
      }
      start = nl + 1;
      this.onLine(line);
    }
  }

  /** Bytes of an unterminated final line, if any (reported at EOF). */
  leftover() {
    return this.pending;
  }
}

/**
 * One JSON-RPC 1.0 connection.
 *
 * @param {object} opts
 * @param {import('node:stream').Readable} opts.input
 * @param {{write(buf: Buffer): unknown}} opts.output
 * @param {(method: string, params: object, ctx: {isNotification: boolean}) => unknown} opts.handler
 *   called for requests and notifications, one at a time in arrival order;
 *   may be async; throw an RpcError to answer with its code.
 * @param {() => void} [opts.afterHandle] runs after each handled message,
 *   before its response is written (used to flush slog batches).
 * @param {(err: ProtocolError) => void} opts.onProtocolError
 * @param {() => void} opts.onEOF called once the input ended and the last
 *   queued message was handled.
 * @param {(msg: string) => void} [opts.log]
 * @param {(site: string, message: string) => void} [opts.onUnpropagated]
 *   told of every error this connection can only log (no response can carry
 *   it), after it is logged, so the kernel can report it to agd.
 * @param {number} [opts.maxLineBytes]
 * @param {(buf: Buffer) => number} [opts.readSync] reads from the same
 *   input, blocking: the number of bytes read, 0 at EOF; needed by callSync.
 */
export function makeConnection(opts) {
  const {
    input,
    output,
    handler,
    afterHandle = () => {},
    onProtocolError,
    onEOF,
    log = () => {},
    onUnpropagated = () => {},
    maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    readSync,
  } = opts;

  /** Logs an error nothing can answer with, and reports it at site. */
  function unpropagated(site, message) {
    log(message);
    onUnpropagated(site, message);
  }

  let nextId = 1;
  const pending = new Map(); // id -> {resolve, reject, method}
  const queue = []; // incoming requests/notifications not yet handled
  let busy = false;
  let ended = false; // input hit EOF
  let closed = false; // protocol error: stop reading and handling
  let eofReported = false;
  // Inside callSync: requests that arrive are queued, not handled, so no
  // handler runs in the middle of the caller's synchronous code.
  let inSyncCall = false;

  function writeLine(text) {
    // One write per message: the whole line, newline included, in one buffer.
    output.write(Buffer.from(`${text}\n`, 'utf8'));
  }

  function send(obj) {
    writeLine(JSON.stringify(obj));
  }

  /**
   * The response line's text. A result (or error data) that will not encode
   * (a BigInt, a cycle, nesting too deep to print) becomes -32603, so the
   * peer still gets its one response, as from agd's rpc.
   */
  function responseText(id, method, result, error) {
    try {
      return error
        ? JSON.stringify({ id, result: null, error: error.toJSON() })
        : JSON.stringify({ id, result: result === undefined ? null : result, error: null });
    } catch (e) {
      log(`answer to ${method} will not encode: ${e.message}`);
      const err = new RpcError(ErrorCodes.INTERNAL_ERROR, `${method}: answer will not encode: ${e.message}`);
      return JSON.stringify({ id, result: null, error: err.toJSON() });
    }
  }

  function protocolError(code, message, head) {
    if (closed) return;
    closed = true;
    input.removeListener?.('data', onData);
    for (const [, p] of pending) {
      p.reject(new RpcError(ErrorCodes.INTERNAL_ERROR, `connection closed: ${message}`));
    }
    pending.clear();
    onProtocolError(new ProtocolError(code, message, head));
  }

  const splitter = new LineSplitter({
    maxLineBytes,
    onLine: line => onLine(line),
    // Like a line that is not JSON: it cannot be read, so it cannot be
    // answered, and the connection closes (-32700, docs/protocol.md).
    onTooLong: head =>
      protocolError(
        ErrorCodes.PARSE_ERROR,
        `line longer than ${maxLineBytes} bytes; it starts ${JSON.stringify(head.toString('utf8'))}`,
        head,
      ),
  });

  function onData(chunk) {
    if (closed) return;
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  function onLine(line) {
    if (closed) return;
    if (isBlank(line)) return; // blank lines carry nothing; tolerate them
    const head = line.subarray(0, HEAD_BYTES);
    const headText = JSON.stringify(head.toString('utf8'));
    if (nestedTooDeep(line)) {
      protocolError(ErrorCodes.PARSE_ERROR, `line nests deeper than ${MAX_NESTING} levels; it starts ${headText}`, head);
      return;
    }
    let msg;
    try {
      msg = JSON.parse(line.toString('utf8'));
    } catch (e) {
      protocolError(ErrorCodes.PARSE_ERROR, `line is not JSON (${e.message}); it starts ${headText}`, head);
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      protocolError(ErrorCodes.INVALID_REQUEST, `message is not a JSON object; it starts ${headText}`, head);
      return;
    }
    // A message we cannot place closes the connection: answering it could
    // only be taken as the answer to one of the peer's own calls.
    const why = shapeError(msg);
    if (why) {
      protocolError(ErrorCodes.INVALID_REQUEST, `${why}; line starts ${headText}`, head);
      return;
    }
    const id = msg.id === undefined ? null : msg.id;
    if (msg.method !== undefined) {
      queue.push({ id, method: msg.method, params: msg.params });
      if (!inSyncCall) pump();
      return;
    }
    onResponse(id, msg); // a lenient v1 reader: no "result" is a null result
  }

  function onResponse(id, msg) {
    const p = pending.get(id);
    if (!p) {
      log(`response to unknown id ${JSON.stringify(id)} ignored`);
      return;
    }
    pending.delete(id);
    if (msg.error !== undefined && msg.error !== null) {
      p.reject(errorFromWire(msg.error));
    } else {
      p.resolve(msg.result === undefined ? null : msg.result);
    }
  }

  async function pump() {
    if (busy) return;
    busy = true;
    try {
      while (queue.length > 0 && !closed) {
        const item = queue.shift();
        try {
          await handleOne(item);
        } catch (e) {
          // Never let one message stall the ones queued behind it.
          unpropagated('rpc_handling', `handling ${item.method} failed: ${e?.stack ?? e}`);
        }
      }
    } finally {
      busy = false;
    }
    maybeReportEOF();
  }

  async function handleOne({ id, method, params }) {
    const isNotification = id === null;
    let result;
    let error = null;
    try {
      // params is an array holding exactly one object (pinned); anything
      // else is answered -32602 without calling the handler.
      const p = paramsObject(params);
      if (p instanceof RpcError) throw new RpcError(p.code, `${method}: ${p.message}`);
      result = await handler(method, p, { isNotification });
    } catch (e) {
      error = e instanceof RpcError ? e : new RpcError(ErrorCodes.INTERNAL_ERROR, String(e?.message ?? e));
      if (!(e instanceof RpcError)) log(`handler for ${method} failed: ${e?.stack ?? e}`);
    }
    try {
      afterHandle();
    } catch (e) {
      unpropagated('rpc_after_handle', `afterHandle failed: ${e?.stack ?? e}`);
    }
    if (closed) return;
    if (isNotification) {
      if (error) unpropagated('rpc_notification', `notification ${method} failed: ${error.code} ${error.message}`);
      return;
    }
    if (result instanceof RawLine && !error) {
      writeLine(result.text);
      return;
    }
    writeLine(responseText(id, method, result, error));
  }

  function maybeReportEOF() {
    if (ended && !busy && queue.length === 0 && !eofReported && !closed) {
      eofReported = true;
      onEOF();
    }
  }

  function onEnd() {
    if (ended) return;
    ended = true;
    if (splitter.leftover() > 0) log(`EOF after ${splitter.leftover()} bytes of an unterminated line (ignored)`);
    // Nobody will answer our outstanding calls now.
    for (const [, p] of pending) {
      p.reject(new RpcError(ErrorCodes.INTERNAL_ERROR, `EOF from peer while waiting for ${p.method}`));
    }
    pending.clear();
    maybeReportEOF();
  }

  input.on('data', onData);
  input.on('end', onEnd);
  input.on('close', onEnd);

  const closedError = method => new RpcError(ErrorCodes.INTERNAL_ERROR, `connection closed, cannot call ${method}`);

  /**
   * Reads the input synchronously until the answer to `id` has come, or the
   * input ended or broke the framing (which reject every pending call).
   * Whatever else arrives meanwhile is handled as always: other answers
   * settle their calls, requests wait in the queue.
   */
  function readUntilAnswered(id) {
    // Bytes Node already took from the pipe come first.
    while (input.readableLength > 0 && typeof input.read === 'function' && input.read() !== null);
    const buf = Buffer.allocUnsafe(64 * 1024);
    while (pending.has(id)) {
      let n;
      try {
        n = readSync(buf);
      } catch (e) {
        log(`read from peer failed: ${e.message}`);
        n = 0;
      }
      if (n === 0) {
        onEnd();
        return;
      }
      onData(buf.subarray(0, n));
    }
  }

  return {
    /** Call the peer; resolves with its result or rejects with an RpcError. */
    call(method, params = {}) {
      if (closed || ended) return Promise.reject(closedError(method));
      const id = nextId;
      nextId += 1;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        send({ id, method, params: [params] });
      });
    },
    /**
     * Call the peer and block until it answers: returns its result or
     * throws an RpcError. Nothing else of this process runs meanwhile.
     */
    callSync(method, params = {}) {
      if (!readSync) throw new RpcError(ErrorCodes.INTERNAL_ERROR, `cannot call ${method} synchronously: no readSync`);
      if (closed || ended) throw closedError(method);
      const id = nextId;
      nextId += 1;
      let answer;
      pending.set(id, {
        resolve: result => (answer = { result }),
        reject: error => (answer = { error }),
        method,
      });
      const wasInSyncCall = inSyncCall;
      inSyncCall = true;
      try {
        send({ id, method, params: [params] });
        readUntilAnswered(id);
      } finally {
        inSyncCall = wasInSyncCall;
        pending.delete(id);
      }
      if (!inSyncCall && queue.length > 0) setImmediate(pump);
      if (answer === undefined) throw closedError(method);
      if (answer.error) throw answer.error;
      return answer.result;
    },
    /** Send a notification (no answer expected). */
    notify(method, params = {}) {
      if (closed) return;
      send({ id: null, method, params: [params] });
    },
    /**
     * notify() with params already JSON text (one object), spliced in as
     * is: for the slog, whose entries are serialised once (slog.js).
     */
    notifyJSON(method, paramsText) {
      if (closed) return;
      writeLine(`{"id":null,"method":${JSON.stringify(method)},"params":[${paramsText}]}`);
    },
    get pendingCalls() {
      return pending.size;
    },
  };
}
