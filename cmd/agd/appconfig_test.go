package main

import (
	"testing"

	"github.com/spf13/viper"

	"github.com/agd-project/agd/flightrec"
)

func TestFlightRecorderPolicyFromAppToml(t *testing.T) {
	v := viper.New()
	if p := flightRecorderPolicy(v); p != flightrec.DefaultPolicy {
		t.Fatalf("without a [flight-recorder] section: %+v, want the defaults %+v", p, flightrec.DefaultPolicy)
	}
	v.Set(flagFlightRecorderKeepBlocks, 50)
	v.Set(flagFlightRecorderMaxBytes, "1000")
	if p := flightRecorderPolicy(v); p.KeepBlocks != 50 || p.MaxBytes != 1000 {
		t.Fatalf("policy %+v, want 50 blocks and 1000 bytes", p)
	}
}
