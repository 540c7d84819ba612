// The test service of the shared wire corpus (testdata/wire/cases.json,
// "service"), as a jsonrpc.js handler. rpc/wire_corpus_test.go serves the
// same methods from a Go rpc.Mux.

import { fileURLToPath } from 'node:url';
import { RpcError, ErrorCodes } from '../../src/jsonrpc.js';

// AGVM_WIRE_CORPUS names the file when agvm's tests run from a copy of agvm
// alone (make mutate's Stryker sandbox), where ../testdata is not the repo's.
export const CORPUS_PATH =
  process.env.AGVM_WIRE_CORPUS || fileURLToPath(new URL('../../../testdata/wire/cases.json', import.meta.url));

/** A fresh handler with its own record of notes. */
export function corpusHandler() {
  const seen = [];
  return (method, params) => {
    switch (method) {
      case 'test.Echo':
        return params;
      case 'test.Note':
      case 'vbank.BalanceUpdate':
        seen.push(params);
        return null;
      case 'test.Seen':
        return [...seen];
      case 'test.Fail':
        throw new RpcError(params.code, params.message, params.data);
      case 'test.Crash':
        throw Error('test.Crash: disk on fire');
      default:
        // The kernel's dispatcher does the same for a method it lacks.
        throw new RpcError(ErrorCodes.METHOD_NOT_FOUND, `method not found: ${method}`);
    }
  };
}
