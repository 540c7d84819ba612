package supervisor

// Actor adapts the kernel to an oklog/run group. execute waits for the
// kernel to end: if it died on its own, it returns an *ExitError (status and
// stderr tail) so the group stops and agd exits naming the cause; if the
// group stopped it, execute returns nil. interrupt starts a graceful Stop
// with the configured grace and returns at once, so the rest of the group
// is not held up for the grace period; execute returns once the kernel is
// reaped.
func (k *Kernel) Actor() (execute func() error, interrupt func(error)) {
	execute = func() error {
		<-k.done
		if k.stopRequested() {
			return nil
		}
		return k.Err()
	}
	interrupt = func(error) {
		k.markStopping() // before returning, so execute cannot mistake the exit
		go k.Stop(k.grace)
	}
	return execute, interrupt
}
