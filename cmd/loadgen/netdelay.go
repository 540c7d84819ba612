package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// linkShape is the network loadgen puts between validators: round-trip
// time (with jitter) and, optionally, a bandwidth cap per direction. The
// loopback's 0.05 ms is nothing like validators 20-200 ms apart, and this
// machine's kernel has no netem, so the delay is added in user space by
// Toxiproxy proxies on 127.0.0.1.
type linkShape struct {
	RTT, Jitter   time.Duration
	BandwidthKBps int64 // 0: no cap
}

func (s linkShape) String() string {
	out := fmt.Sprintf("RTT %s", s.RTT)
	if s.Jitter > 0 {
		out += fmt.Sprintf(" ±%s", s.Jitter)
	}
	if s.BandwidthKBps > 0 {
		out += fmt.Sprintf(", %d KB/s per direction", s.BandwidthKBps)
	}
	return out
}

// parseLatency reads --latency: "RTT" or "RTT:JITTER", each a Go duration.
func parseLatency(s string) (rtt, jitter time.Duration, err error) {
	rttText, jitterText, hasJitter := strings.Cut(s, ":")
	if rtt, err = time.ParseDuration(rttText); err != nil || rtt < 0 {
		return 0, 0, fmt.Errorf("--latency %q: want RTT[:JITTER], e.g. 100ms:10ms", s)
	}
	if hasJitter {
		if jitter, err = time.ParseDuration(jitterText); err != nil || jitter < 0 {
			return 0, 0, fmt.Errorf("--latency %q: bad jitter %q", s, jitterText)
		}
	}
	return rtt, jitter, nil
}

// proxyMesh is one Toxiproxy proxy per ordered validator pair (i dials j),
// run in-process. Each proxy delays both directions by half the RTT, so a
// connection through it (whichever side dialled) sees the whole RTT.
type proxyMesh struct {
	proxies []*toxiproxy.Proxy
}

var peersLine = regexp.MustCompile(`(?m)^persistent_peers = "([^"]*)"$`)
var pexLine = regexp.MustCompile(`(?m)^pex = (true|false)$`)

// startProxyMesh starts the proxies and rewrites each home's config.toml:
// every persistent peer points at the proxy for that link, and peer
// exchange is off, so no node learns another's direct address and
// bypasses the delay.
func startProxyMesh(homes []string, shape linkShape) (*proxyMesh, error) {
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	m := &proxyMesh{}
	for i, home := range homes {
		path := filepath.Join(home, "config", "config.toml")
		raw, err := os.ReadFile(path)
		if err != nil {
			return m, err
		}
		match := peersLine.FindSubmatch(raw)
		if match == nil || !pexLine.Match(raw) {
			return m, fmt.Errorf("%s: no persistent_peers or pex line to rewrite", path)
		}
		var peers []string
		for _, peer := range strings.Split(string(match[1]), ",") {
			id, upstream, ok := strings.Cut(peer, "@")
			if !ok {
				return m, fmt.Errorf("%s: persistent peer %q is not ID@HOST:PORT", path, peer)
			}
			p := toxiproxy.NewProxy(server, fmt.Sprintf("node%d->%s", i, upstream), "127.0.0.1:0", upstream)
			if err := p.Start(); err != nil {
				return m, fmt.Errorf("proxy for node%d -> %s: %w", i, upstream, err)
			}
			m.proxies = append(m.proxies, p)
			if err := shapeLink(p, shape); err != nil {
				return m, err
			}
			peers = append(peers, id+"@"+p.Listen)
		}
		raw = peersLine.ReplaceAll(raw, []byte(`persistent_peers = "`+strings.Join(peers, ",")+`"`))
		raw = pexLine.ReplaceAll(raw, []byte("pex = false"))
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			return m, err
		}
	}
	return m, nil
}

// shapeLink adds the latency (and bandwidth) toxics to both directions.
func shapeLink(p *toxiproxy.Proxy, shape linkShape) error {
	for _, stream := range []string{"upstream", "downstream"} {
		toxics := []map[string]any{{
			"name": "latency_" + stream, "type": "latency", "stream": stream,
			"attributes": map[string]int64{"latency": (shape.RTT / 2).Milliseconds(), "jitter": (shape.Jitter / 2).Milliseconds()},
		}}
		if shape.BandwidthKBps > 0 {
			toxics = append(toxics, map[string]any{
				"name": "bandwidth_" + stream, "type": "bandwidth", "stream": stream,
				"attributes": map[string]int64{"rate": shape.BandwidthKBps},
			})
		}
		for _, t := range toxics {
			body, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if _, err := p.Toxics.AddToxicJson(strings.NewReader(string(body))); err != nil {
				return fmt.Errorf("proxy %s: add %s toxic: %w", p.Name, t["name"], err)
			}
		}
	}
	return nil
}

// stop closes every proxy (and the connections through them).
func (m *proxyMesh) stop() {
	if m == nil {
		return
	}
	for _, p := range m.proxies {
		p.Stop()
	}
}

// checkShape refuses shapes the proxies cannot express.
func checkShape(s linkShape, validators int) error {
	if validators < 2 {
		return errors.New("--latency needs --validators 2 or more: it shapes validator-to-validator links")
	}
	if s.Jitter > s.RTT {
		return fmt.Errorf("--latency jitter %s exceeds the RTT %s", s.Jitter, s.RTT)
	}
	if s.BandwidthKBps < 0 {
		return errors.New("--bandwidth must be positive")
	}
	return nil
}
