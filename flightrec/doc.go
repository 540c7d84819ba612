// Package flightrec is agd's flight recorder: it keeps the kernel's slog
// entries of the last few blocks on disk, on the Go side of the pipe, and
// turns them into a dump when the node's AppHash diverges from the network's.
//
// The only evidence that has ever explained a diverged kernel is the slog of
// the block that diverged. A recorder on the kernel's side of the pipe dies
// with the kernel and, after a restart, is refilled only by replay, which a
// diverged node never does: CometBFT refuses the next block before the
// failing one could run again. So agd keeps the record itself, in plain
// files that survive a restart, and writes the dump on the failure itself.
//
// The package has four parts, each in its own file:
//   - Retention (retention.go) decides which blocks are kept; it does no I/O,
//     so its rules are checked by property tests over random histories.
//   - Recorder (recorder.go, store.go) splits slog.Write batches into
//     entries, attributes them to blocks and performs Retention's actions on
//     <dir>/block-<H>.jsonl files with plain write(2).
//   - DetectAppHashMismatch (detect.go) recognises CometBFT's reports of a
//     diverged AppHash; Dump (dump.go) writes the evidence for one.
//   - Load and Diff (load.go, diff.go) read records and dumps back and find
//     the first entry where two of them disagree.
package flightrec
