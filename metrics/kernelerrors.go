package metrics

import (
	"encoding/json"
)

// The kernel's own errors that it can only log (agvm/src/slog.js
// ERROR_ENTRY): it sends each one to agd as a slog entry
// {"type":"agvm-error","site":...,"error":...}, and agd counts it in
// agd_unpropagated_errors_total{site="agvm.<site>"}. The slog is the one
// channel the kernel always has to agd, so no protocol change is needed.
const kernelErrorType = "agvm-error"

// The kernel's sites (agvm/src); docs/operating.md repeats the list.
const (
	// SiteKernelSlogFile: writing SLOGFILE failed; the kernel stops the
	// file slog and goes on (agd still gets every entry).
	SiteKernelSlogFile Site = "agvm.slog_file"
	// SiteKernelChainSend: agd refused a vat's vstorage write; the vat
	// got the error too, but the bootstrap vat's outcome writes do not
	// look at it.
	SiteKernelChainSend Site = "agvm.chain_send"
	// SiteKernelReplayMismatch: replaying a block agd had not committed,
	// one of its calls to agd answered differently than the first time.
	SiteKernelReplayMismatch Site = "agvm.replay_mismatch"
	// SiteKernelRPCHandling: handling a message from agd threw outside
	// its handler; the messages queued behind it go on.
	SiteKernelRPCHandling Site = "agvm.rpc_handling"
	// SiteKernelRPCAfterHandle: flushing the slog after a message failed.
	SiteKernelRPCAfterHandle Site = "agvm.rpc_after_handle"
	// SiteKernelRPCNotification: a notification from agd failed in the
	// kernel (a notification has no response to carry it).
	SiteKernelRPCNotification Site = "agvm.rpc_notification"
	// SiteKernelUnhandledRejection: a promise rejection nobody handled in
	// the kernel's own process (vat code runs in its workers).
	SiteKernelUnhandledRejection Site = "agvm.unhandled_rejection"
	// SiteKernelOther: an agvm-error entry naming a site this agd does not
	// know (a newer kernel): counted, not dropped.
	SiteKernelOther Site = "agvm.other"
)

var kernelSites = []Site{
	SiteKernelSlogFile, SiteKernelChainSend, SiteKernelReplayMismatch, SiteKernelRPCHandling,
	SiteKernelRPCAfterHandle, SiteKernelRPCNotification, SiteKernelUnhandledRejection, SiteKernelOther,
}

// kernelErrorSite reports the site an agvm-error entry names. Only those
// entries are decoded.
func kernelErrorSite(typ string, entry []byte) (Site, bool) {
	if typ != kernelErrorType {
		return "", false
	}
	var e struct {
		Site string `json:"site"`
	}
	if json.Unmarshal(entry, &e) != nil {
		return "", false
	}
	site := Site("agvm." + e.Site)
	for _, known := range kernelSites {
		if site == known {
			return site, true
		}
	}
	// A label per unknown name would let the kernel grow the series
	// without bound.
	return SiteKernelOther, true
}
