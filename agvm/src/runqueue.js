// The persistent run-queue, kept in the kernel kv store so it is part of
// consensus state and survives restarts: `runQueue.head`/`runQueue.tail`
// count items, `runQueue.<n>` holds item n as JSON. Every operation goes
// through the crank buffer it is given, so a dequeue commits with its crank.

export function queueLength(kv) {
  return Number(kv.get('runQueue.tail') ?? '0') - Number(kv.get('runQueue.head') ?? '0');
}

export function enqueue(kv, item) {
  const tail = Number(kv.get('runQueue.tail') ?? '0');
  kv.set(`runQueue.${tail}`, JSON.stringify(item));
  kv.set('runQueue.tail', String(tail + 1));
}

/** The item at the head, without removing it; undefined when empty. */
export function peek(kv) {
  if (queueLength(kv) <= 0) return undefined;
  return JSON.parse(kv.get(`runQueue.${kv.get('runQueue.head') ?? '0'}`));
}

export function dequeue(kv) {
  const head = Number(kv.get('runQueue.head') ?? '0');
  kv.delete(`runQueue.${head}`);
  kv.set('runQueue.head', String(head + 1));
}
