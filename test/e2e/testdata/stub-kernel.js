// A stub kernel for agd's start-up tests, pure Node. Its one argument says
// how it misbehaves:
//   ahead=N  answers swingset.Init with kernelHeight = cosmosHeight + N
//   silent   reads its pipe but never answers anything
import fs from 'node:fs';

const mode = process.argv[2] ?? '';
const input = fs.createReadStream(null, { fd: Number(process.env.AGVM_FROM_AGD) });
const output = fs.createWriteStream(null, { fd: Number(process.env.AGVM_TO_AGD) });

let buffered = '';
input.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    handle(JSON.parse(line));
  }
});
input.on('end', () => process.exit(0));

function handle(msg) {
  console.error(`stub kernel (${mode}) got ${msg.method}`);
  if (mode === 'silent' || msg.method !== 'swingset.Init') return;
  const ahead = Number(mode.replace(/^ahead=/, ''));
  const { cosmosHeight } = msg.params[0];
  const result = { protocolVersion: 1, kernelHeight: cosmosHeight + ahead, activityHash: '' };
  output.write(JSON.stringify({ id: msg.id, result, error: null }) + '\n');
}
