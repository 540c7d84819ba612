package flightrec

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/agd-project/agd/rpc"
)

// kernelBatches builds slog.Write notification lines as the kernel sends
// them: batches of 256 entries shaped like a busy block's (deliveries,
// syscalls and their results), with a block boundary every blocksEvery
// batches so that attribution and retention do real work.
func kernelBatches(n, blocksEvery int) [][]byte {
	var lines [][]byte
	height := 1
	for i := range n {
		entries := make([]string, 0, 256)
		if i%blocksEvery == 0 {
			height++
			entries = append(entries, fmt.Sprintf(`{"type":"cosmic-swingset-begin-block","blockHeight":%d,"blockTime":1700000000,"time":1700000000.123,"monotime":12.5}`, height))
		}
		for j := len(entries); j < 256; j++ {
			switch j % 3 {
			case 0:
				entries = append(entries, fmt.Sprintf(`{"type":"deliver","blockHeight":%d,"crankNum":%d,"crankType":"delivery","vatID":"v7","deliveryNum":%d,"kd":["message","ko12",{"methargs":{"body":"#[\"getBalance\",[]]","slots":[]},"result":"kp40"}],"time":1700000000.123,"monotime":12.5}`, height, i*256+j, j))
			case 1:
				entries = append(entries, `{"type":"syscall","crankNum":7,"vatID":"v7","deliveryNum":3,"ksc":["vatstoreGet","v7","vom.o+d12/3"],"time":1700000000.124,"monotime":12.6}`)
			default:
				entries = append(entries, `{"type":"syscall-result","crankNum":7,"vatID":"v7","deliveryNum":3,"ksr":["ok","{\"body\":\"#{\\\"balance\\\":\\\"+1000\\\"}\",\"slots\":[]}"],"time":1700000000.125,"monotime":12.7}`)
			}
		}
		lines = append(lines, []byte(`{"id":null,"method":"slog.Write","params":[{"entries":[`+strings.Join(entries, ",")+`]}]}`+"\n"))
	}
	return lines
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recorderOverPipe wires a recorder behind rpc.HandleRaw on a real
// connection, as agd start does, and returns the kernel's write end of the
// pipe; everything is closed when the benchmark ends.
func recorderOverPipe(b *testing.B) (*Recorder, *rpc.Conn, *os.File) {
	b.Helper()
	rec, err := Open(Config{Dir: b.TempDir(), Policy: Policy{KeepBlocks: 2}, OnError: func(err error) { b.Error(err) }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rec.Close() })
	fromKernel, kernelOut, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	kernelIn, toKernel, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	go io.Copy(io.Discard, kernelIn)
	mux := rpc.NewMux()
	rpc.HandleRaw(mux, "slog.Write", rec.HandleSlogWrite)
	conn := rpc.NewConn(fromKernel, toKernel, mux)
	b.Cleanup(func() {
		kernelOut.Close()
		conn.Close()
	})
	return rec, conn, kernelOut
}

// BenchmarkSlogWriteOverPipe measures the whole path a kernel's slog takes
// in agd: a pipe, rpc.Conn's reader, rpc.HandleRaw, the recorder and its
// files. The writer writes as fast as the pipe takes it, so entries/s is
// the rate agd absorbs: a kernel slogging slower than that never finds the
// pipe full. cpu-ns/entry is the whole process's CPU time, the writer's
// write(2) calls included, so it bounds agd's own cost from above.
func BenchmarkSlogWriteOverPipe(b *testing.B) {
	rec, conn, kernelOut := recorderOverPipe(b)

	lines := kernelBatches(64, 4)
	var lineBytes int
	for _, l := range lines {
		lineBytes += len(l)
	}
	batches := (b.N + 255) / 256
	want := uint64(batches * 256)
	b.SetBytes(int64(lineBytes / len(lines) / 256))
	b.ResetTimer()
	start, cpuStart := time.Now(), cpuTime()
	go func() {
		for i := range batches {
			if _, err := kernelOut.Write(lines[i%len(lines)]); err != nil {
				return
			}
		}
	}()
	for rec.Entries() < want {
		select {
		case <-conn.Done():
			b.Fatalf("connection closed: %v", conn.Err())
		default:
			time.Sleep(50 * time.Microsecond)
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpuStart
	b.StopTimer()
	b.ReportMetric(float64(want)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(want), "ns/entry")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(want), "cpu-ns/entry")
}

// BenchmarkSlogPaced500k writes at the target rate, 500,000 entries/s (one
// 256-entry batch every 512µs), on a non-blocking pipe as Node's libuv does,
// and counts the batches that found the pipe full (EAGAIN): those are the
// times a kernel would have had to wait for agd. It runs with Linux's
// default 64 KiB pipe and with a 1 MiB one (F_SETPIPE_SZ), since a batch of
// 256 entries is most of 64 KiB by itself.
func BenchmarkSlogPaced500k(b *testing.B) {
	b.Run("pipe=64KiB", func(b *testing.B) { slogPaced(b, 0) })
	b.Run("pipe=1MiB", func(b *testing.B) { slogPaced(b, 1<<20) })
}

func slogPaced(b *testing.B, pipeSize int) {
	rec, _, kernelOut := recorderOverPipe(b)
	raw, err := kernelOut.SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	var fd int
	raw.Control(func(f uintptr) { fd = int(f) })
	if pipeSize > 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, pipeSize); err != nil {
			b.Fatal(err)
		}
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		b.Fatal(err)
	}

	lines := kernelBatches(64, 4)
	batches := (b.N + 255) / 256
	const interval = 512 * time.Microsecond
	full := 0
	var waited time.Duration
	b.ResetTimer()
	start := time.Now()
	for i := range batches {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		line := lines[i%len(lines)]
		blocked := false
		var t0 time.Time
		for len(line) > 0 {
			n, err := syscall.Write(fd, line)
			if err == syscall.EAGAIN {
				if !blocked {
					blocked, t0 = true, time.Now()
					full++
				}
				time.Sleep(20 * time.Microsecond)
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
			line = line[n:]
		}
		if blocked {
			waited += time.Since(t0)
		}
	}
	for rec.Entries() < uint64(batches*256) {
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(full)/float64(batches)*100, "%batches-found-pipe-full")
	b.ReportMetric(float64(waited.Microseconds())/1000, "ms-waited-total")
	b.ReportMetric(float64(batches*256)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkRecorderWrite is the recorder alone, without pipe or rpc.
func BenchmarkRecorderWrite(b *testing.B) {
	rec, err := Open(Config{Dir: b.TempDir(), Policy: Policy{KeepBlocks: 2}})
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	lines := kernelBatches(64, 4)
	params := make([][]byte, len(lines))
	for i, l := range lines {
		s := string(l)
		s = s[strings.Index(s, `"params":[`)+len(`"params":[`) : len(s)-3]
		params[i] = []byte(s)
	}
	batches := (b.N + 255) / 256
	b.ResetTimer()
	start := time.Now()
	for i := range batches {
		if err := rec.Write(params[i%len(params)]); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(batches*256)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(batches*256), "ns/entry")
}
