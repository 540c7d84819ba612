// A stub kernel for agd's start-up tests, pure Node. Its one argument says
// how it misbehaves:
//   ahead=N  answers swingset.Init with kernelHeight = cosmosHeight + N,
//            then answers block calls as a kernel with no work would
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
  if (mode === 'silent') return;
  const [params] = msg.params;
  switch (msg.method) {
    case 'swingset.Init': {
      const ahead = Number(mode.replace(/^ahead=/, ''));
      reply(msg, { protocolVersion: 1, kernelHeight: params.cosmosHeight + ahead, activityHash: '' });
      break;
    }
    // An agd that wrongly accepted the kernel goes on to blocks; answering
    // them lets it commit, so a test can see that it did.
    case 'swingset.BeginBlock':
      reply(msg, null);
      break;
    case 'swingset.EndBlock':
      reply(msg, { activityHash: '00'.repeat(32) });
      break;
    case 'swingset.Commit':
      reply(msg, { kernelHeight: params.blockHeight });
      break;
    default:
      break;
  }
}

function reply(msg, result) {
  output.write(JSON.stringify({ id: msg.id, result, error: null }) + '\n');
}
