// Package metrics is agd's own Prometheus metrics: the kernel next to
// CometBFT on the same endpoint ([instrumentation] prometheus_listen_addr).
//
// A Metrics value is made once at start and passed to what reports into it;
// figures that already live elsewhere (the kernel's committed height, the
// flight recorder's entries and bytes, the kernel's processes) are read at
// scrape time instead of being copied, so they cannot drift from their
// source. The names are pinned by issue 14 and alerted on by operators
// (docs/operating.md): never rename one.
package metrics
