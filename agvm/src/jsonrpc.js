// JSON-RPC 1.0 over a pair of byte streams, framed as one JSON object per
// line. This is the wire contract pinned in PROTOCOL.md ("Framing",
// "Messages"): we write exactly the pinned shapes and read leniently.
//
// The module knows nothing about agd or the kernel: it takes an input stream
// (something emitting 'data'/'end'), an output with write(buffer), and a
// handler for incoming requests/notifications. Incoming requests and
// notifications are handled one at a time in arrival order (so a
// BalanceUpdate notification can never overtake the EndBlock after it),
// while responses to our own outgoing calls are matched immediately: that is
// what lets a handler await a call to agd (a nested call) without deadlock.

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
  constructor(code, message) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
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

/** Convert whatever the peer put in "error" into an RpcError. */
export function errorFromWire(error) {
  if (typeof error === 'string') {
    // JSON-RPC 1.0 allows any value; a plain string is its message.
    return new RpcError(ErrorCodes.INTERNAL_ERROR, error);
  }
  if (error && typeof error === 'object') {
    const code = Number.isInteger(error.code) ? error.code : ErrorCodes.INTERNAL_ERROR;
    const message =
      typeof error.message === 'string' ? error.message : JSON.stringify(error);
    return new RpcError(code, message, error.data);
  }
  return new RpcError(ErrorCodes.INTERNAL_ERROR, JSON.stringify(error));
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
 * @param {number} [opts.maxLineBytes]
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
    maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  } = opts;

  let nextId = 1;
  const pending = new Map(); // id -> {resolve, reject, method}
  const queue = []; // incoming requests/notifications not yet handled
  let busy = false;
  let ended = false; // input hit EOF
  let closed = false; // protocol error: stop reading and handling
  let eofReported = false;

  function writeLine(text) {
    // One write per message: the whole line, newline included, in one buffer.
    output.write(Buffer.from(`${text}\n`, 'utf8'));
  }

  function send(obj) {
    writeLine(JSON.stringify(obj));
  }

  function protocolError(code, message) {
    if (closed) return;
    closed = true;
    input.removeListener?.('data', onData);
    for (const [, p] of pending) {
      p.reject(new RpcError(ErrorCodes.INTERNAL_ERROR, `connection closed: ${message}`));
    }
    pending.clear();
    onProtocolError(new ProtocolError(code, message));
  }

  const splitter = new LineSplitter({
    maxLineBytes,
    onLine: line => onLine(line),
    onTooLong: head =>
      protocolError(
        ErrorCodes.INVALID_REQUEST,
        `line longer than ${maxLineBytes} bytes; it starts ${JSON.stringify(head.toString('utf8'))}`,
      ),
  });

  function onData(chunk) {
    if (closed) return;
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  function onLine(line) {
    if (closed) return;
    if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return; // tolerate blank lines
    let msg;
    try {
      msg = JSON.parse(line.toString('utf8'));
    } catch (e) {
      protocolError(
        ErrorCodes.PARSE_ERROR,
        `line is not JSON (${e.message}); it starts ${JSON.stringify(line.subarray(0, 200).toString('utf8'))}`,
      );
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      protocolError(ErrorCodes.INVALID_REQUEST, `message is not a JSON object: ${line.subarray(0, 200).toString('utf8')}`);
      return;
    }
    const id = msg.id === undefined ? null : msg.id;
    if (typeof msg.method === 'string') {
      queue.push({ id, method: msg.method, params: msg.params });
      pump();
      return;
    }
    if (id !== null && ('result' in msg || 'error' in msg)) {
      onResponse(id, msg);
      return;
    }
    // Neither a request nor a response. Answer if we can tell whom to.
    log(`invalid message ignored: ${line.subarray(0, 200).toString('utf8')}`);
    if (id !== null) {
      send({
        id,
        result: null,
        error: new RpcError(ErrorCodes.INVALID_REQUEST, 'not a request, notification or response').toJSON(),
      });
    }
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
        await handleOne(item);
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
      // params is an array holding exactly one object; tolerate a bare object.
      let p = params;
      if (Array.isArray(p)) {
        if (p.length > 1) {
          throw new RpcError(ErrorCodes.INVALID_PARAMS, `params must hold exactly one object, got ${p.length}`);
        }
        p = p.length === 0 ? {} : p[0];
      }
      if (p === undefined || p === null) p = {};
      if (typeof p !== 'object' || Array.isArray(p)) {
        throw new RpcError(ErrorCodes.INVALID_PARAMS, 'params[0] must be an object');
      }
      result = await handler(method, p, { isNotification });
    } catch (e) {
      error = e instanceof RpcError ? e : new RpcError(ErrorCodes.INTERNAL_ERROR, String(e?.message ?? e));
      if (!(e instanceof RpcError)) log(`handler for ${method} failed: ${e?.stack ?? e}`);
    }
    try {
      afterHandle();
    } catch (e) {
      log(`afterHandle failed: ${e?.stack ?? e}`);
    }
    if (closed) return;
    if (isNotification) {
      if (error) log(`notification ${method} failed: ${error.code} ${error.message}`);
      return;
    }
    if (error) {
      send({ id, result: null, error: error.toJSON() });
    } else if (result instanceof RawLine) {
      writeLine(result.text);
    } else {
      send({ id, result: result === undefined ? null : result, error: null });
    }
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

  return {
    /** Call the peer; resolves with its result or rejects with an RpcError. */
    call(method, params = {}) {
      if (closed || ended) {
        return Promise.reject(new RpcError(ErrorCodes.INTERNAL_ERROR, `connection closed, cannot call ${method}`));
      }
      const id = nextId;
      nextId += 1;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        send({ id, method, params: [params] });
      });
    },
    /** Send a notification (no answer expected). */
    notify(method, params = {}) {
      if (closed) return;
      send({ id: null, method, params: [params] });
    },
    get pendingCalls() {
      return pending.size;
    },
  };
}
