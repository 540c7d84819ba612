package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	rtt, jitter, err := parseLatency("100ms:10ms")
	if err != nil || rtt != 100*time.Millisecond || jitter != 10*time.Millisecond {
		t.Fatalf("parseLatency(100ms:10ms) = %s, %s, %v", rtt, jitter, err)
	}
	if rtt, jitter, err := parseLatency("0s"); err != nil || rtt != 0 || jitter != 0 {
		t.Fatalf("parseLatency(0s) = %s, %s, %v", rtt, jitter, err)
	}
	for _, bad := range []string{"soon", "100ms:x", "-5ms", "100ms:-1ms"} {
		if _, _, err := parseLatency(bad); err == nil {
			t.Errorf("parseLatency(%q) accepted", bad)
		}
	}
	if err := checkShape(linkShape{RTT: time.Second}, 1); err == nil {
		t.Error("checkShape accepted one validator")
	}
}

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// The mesh rewrites the peer to its proxy, turns peer exchange off, and a
// round trip through the proxy takes the RTT asked for.
func TestProxyMeshDelaysPeerLinks(t *testing.T) {
	upstream := echoServer(t)
	for _, rtt := range []time.Duration{0, 120 * time.Millisecond} {
		home := t.TempDir()
		if err := os.MkdirAll(filepath.Join(home, "config"), 0o755); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(home, "config", "config.toml")
		toml := "[p2p]\npersistent_peers = \"abc@" + upstream + "\"\npersistent_peers_max_dial_period = \"0s\"\npex = true\n"
		if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := startProxyMesh([]string{home}, linkShape{RTT: rtt})
		if err != nil {
			t.Fatal(err)
		}
		defer m.stop()
		raw, _ := os.ReadFile(cfg)
		match := peersLine.FindSubmatch(raw)
		proxyAddr, ok := strings.CutPrefix(string(match[1]), "abc@")
		if !ok || proxyAddr == upstream || !strings.Contains(string(raw), "\npex = false\n") {
			t.Fatalf("config.toml not rewritten to the proxy with pex off:\n%s", raw)
		}
		c, err := net.Dial("tcp", proxyAddr)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		var best time.Duration
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			if _, err := c.Write([]byte("ping\n")); err != nil {
				t.Fatal(err)
			}
			if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
				t.Fatalf("echo through the proxy: %q, %v", line, err)
			}
			if d := time.Since(t0); i == 0 || d < best {
				best = d
			}
		}
		c.Close()
		// The toxic delays each direction by RTT/2; scheduling can only add.
		if best < rtt || (rtt == 0 && best > 50*time.Millisecond) {
			t.Errorf("RTT %s: best round trip through the proxy %s", rtt, best)
		}
		if rtt > 0 && best > rtt+100*time.Millisecond {
			t.Errorf("RTT %s: best round trip %s is far above it", rtt, best)
		}
	}
}

// --bandwidth adds a bandwidth toxic to each direction next to the latency
// one, with the rate asked for.
func TestProxyMeshBandwidth(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	toml := "persistent_peers = \"abc@" + echoServer(t) + "\"\npex = true\n"
	if err := os.WriteFile(filepath.Join(home, "config", "config.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := startProxyMesh([]string{home}, linkShape{RTT: 40 * time.Millisecond, Jitter: 10 * time.Millisecond, BandwidthKBps: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer m.stop()
	got := map[string]string{}
	for _, name := range []string{"latency_upstream", "latency_downstream", "bandwidth_upstream", "bandwidth_downstream"} {
		w := m.proxies[0].Toxics.GetToxic(name)
		if w == nil {
			t.Fatalf("proxy lacks toxic %s", name)
		}
		got[name] = fmt.Sprintf("%+v", w.Toxic)
	}
	if got["latency_upstream"] != "&{Latency:20 Jitter:5}" || got["bandwidth_downstream"] != "&{Rate:64}" {
		t.Fatalf("toxics %v", got)
	}
}
