package metrics

// Site names a place where agd logs an error and returns it nowhere: the
// node goes on, so only a log line and agd_unpropagated_errors_total{site}
// tell an operator it happened.
type Site string

// The sites. Each says where the error is logged and why it is not
// returned; docs/operating.md repeats the list for operators.
const (
	// SiteSignalKernel: forwarding SIGTERM to the kernel failed
	// (lifecycle/driver). agd goes on stopping; the kernel then stops on
	// EOF or is killed after the grace period.
	SiteSignalKernel Site = "lifecycle.signal_kernel"
	// SiteFlightrecWrite: the flight recorder could not write or delete a
	// block file. The kernel's slog.Write must not fail over it.
	SiteFlightrecWrite Site = "flightrec.write"
	// SiteFlightrecClose: closing the flight recorder's open file at exit.
	SiteFlightrecClose Site = "flightrec.close"
	// SiteAppClose: closing the application's stores at exit.
	SiteAppClose Site = "app.close"
	// SiteCometStop: stopping the CometBFT node at exit.
	SiteCometStop Site = "cometbft.stop"
	// SiteKernelNotification: a notification from the kernel (slog.Write
	// ...) failed in agd; a notification has no response to carry it.
	SiteKernelNotification Site = "rpc.kernel_notification"
	// SiteKernelPipeClose: closing the kernel's connection or pipes when
	// agd abandons the kernel.
	SiteKernelPipeClose Site = "kernel.pipe_close"
	// SiteProcessTree: /proc could not be read for the kernel's process
	// metrics (a scrape must not fail over it). The kernel query returns
	// the same error instead.
	SiteProcessTree Site = "kernel.process_tree"
)

// Sites lists every site, agd's and its kernel's (kernelerrors.go), so each
// series exists (at 0) from the start.
var Sites = append([]Site{
	SiteSignalKernel, SiteFlightrecWrite, SiteFlightrecClose, SiteAppClose,
	SiteCometStop, SiteKernelNotification, SiteKernelPipeClose, SiteProcessTree,
}, kernelSites...)
