package metrics

import "github.com/agd-project/agd/internal/kernelwork"

// SlogEntry takes one of the kernel's slog entries (its JSON bytes), in
// the order the kernel wrote them. Each block, at its commit-block-finish
// marker, adds one observation to agd_kernel_block_cranks and
// agd_kernel_block_computrons. An agvm-error entry, an error the kernel
// could only log, counts in agd_unpropagated_errors_total{site="agvm.<site>"}.
func (m *Metrics) SlogEntry(entry []byte) {
	typ := kernelwork.EntryType(entry)
	m.work.observe(typ, entry)
	if site, ok := kernelErrorSite(typ, entry); ok {
		m.Unpropagated(site)
	}
}
