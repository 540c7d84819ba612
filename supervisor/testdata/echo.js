// echo.js plays a Node.js kernel: it finds its pipes through AGVM_FROM_AGD
// and AGVM_TO_AGD, echoes each line from agd back prefixed "echo:", and
// exits 0 when agd's end closes (EOF on fd 4), as the protocol asks.
'use strict';
const fs = require('fs');
const readline = require('readline');

const from = Number(process.env.AGVM_FROM_AGD);
const to = Number(process.env.AGVM_TO_AGD);
const out = fs.createWriteStream(null, { fd: to });
const rl = readline.createInterface({ input: fs.createReadStream(null, { fd: from }) });
rl.on('line', (line) => out.write(`echo:${line}\n`));
rl.on('close', () => out.end(() => process.exit(0)));
console.error('echo.js ready');
