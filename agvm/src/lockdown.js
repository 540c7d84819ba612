// Hardens this process's JavaScript intrinsics once, before any vat code is
// evaluated (SES lockdown). Imported for its effect by every module that
// creates Compartments, so nobody can forget it; ES modules evaluate once,
// so lockdown() runs once per process.
//
// Why these options:
// - errorTaming 'unsafe' / stackFiltering 'verbose': the kernel's own errors
//   keep their stacks for operators; vats only ever see error *messages*.
// - consoleTaming 'unsafe': the kernel logs through process.stderr anyway and
//   vats get no console at all (their log goes to the slog).
// - overrideTaming 'moderate' (the default) keeps `this.name = ...` in Error
//   subclasses (jsonrpc.js's RpcError) working on frozen prototypes.
//
// Native addons must load before this; the kernel uses none (node:sqlite is
// built in).

import 'ses';

lockdown({
  errorTaming: 'unsafe',
  stackFiltering: 'verbose',
  consoleTaming: 'unsafe',
  overrideTaming: 'moderate',
});
