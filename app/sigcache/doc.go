// Package sigcache lets a block's transactions skip the signature checks
// this node already made when the same transactions entered its mempool.
//
// CheckTx verifies every signature of a transaction; FinalizeBlock verifies
// them all again, one secp256k1 check each (~0.25 ms), on the block's
// critical path, while the kernel waits for its EndBlock. The second check
// can only repeat the first: it verifies the same signature with the same
// public key over the same sign bytes. The sign bytes are a function of the
// transaction's bytes, the chain ID and each signer's account number; the
// public key is the signer account's. So a transaction whose signatures
// passed CheckTx is remembered under a hash of exactly those inputs, read
// from the state each check runs against, and FinalizeBlock skips the
// cryptography only when the hash it computes from the block's state is
// remembered. Everything else the SDK's SigVerificationDecorator checks
// (sequence, signer count, unordered nonces) still runs in every block.
//
// Skipping is consensus-safe: a signature check is a pure function of its
// inputs and consumes no gas, and the cache's own state reads are made on
// an infinite gas meter, so a block gives the same results, gas included, on
// a node that remembered its transactions and on one that did not (a
// validator that never saw them in its mempool, or one just restarted).
package sigcache
