package main

import (
	"github.com/spf13/viper"

	"github.com/agd-project/agd/flightrec"
)

// agd's own app.toml sections, written by `agd init` and `agd localnet
// init` (appConfigTemplate) and read by `agd start` into node.Options.

// app.toml keys of the [flight-recorder] section.
const (
	flagFlightRecorderKeepBlocks = "flight-recorder.keep-blocks"
	flagFlightRecorderMaxBytes   = "flight-recorder.max-bytes"
)

// flightRecorderConfig is app.toml's [flight-recorder] section.
type flightRecorderConfig struct {
	KeepBlocks int   `mapstructure:"keep-blocks"`
	MaxBytes   int64 `mapstructure:"max-bytes"`
}

const flightRecorderTemplate = `
###############################################################################
###                         Flight Recorder                                 ###
###############################################################################

# agd keeps the kernel's slog entries of the last blocks in
# <home>/data/flight-recorder and writes them into a dump there when this
# node's AppHash diverges from the network's (see docs/flight-recorder.md).
[flight-recorder]

# How many blocks to keep, the block in progress included. The block in
# progress and the one before it are always kept, so values below 2 mean 2.
keep-blocks = {{ .FlightRecorder.KeepBlocks }}

# Bound in bytes on the kept blocks' total size; 0 means no bound. The block
# in progress and the one before it are kept even when they exceed it.
max-bytes = {{ .FlightRecorder.MaxBytes }}
`

func defaultFlightRecorderConfig() flightRecorderConfig {
	return flightRecorderConfig{KeepBlocks: flightrec.DefaultPolicy.KeepBlocks, MaxBytes: flightrec.DefaultPolicy.MaxBytes}
}

// flightRecorderPolicy reads the section; a home whose app.toml predates
// it gets the defaults.
func flightRecorderPolicy(v *viper.Viper) flightrec.Policy {
	p := flightrec.DefaultPolicy
	if v.IsSet(flagFlightRecorderKeepBlocks) {
		p.KeepBlocks = v.GetInt(flagFlightRecorderKeepBlocks)
	}
	if v.IsSet(flagFlightRecorderMaxBytes) {
		p.MaxBytes = v.GetInt64(flagFlightRecorderMaxBytes)
	}
	return p
}

// app.toml keys of the [swingset] section.
const flagSwingsetSlogfile = "swingset.slogfile"

// swingsetConfig is app.toml's [swingset] section.
type swingsetConfig struct {
	Slogfile string `mapstructure:"slogfile"`
}

const swingsetTemplate = `
###############################################################################
###                         Swingset (the kernel)                           ###
###############################################################################

[swingset]

# If set, the kernel also writes its slog to this file as JSON lines (a path
# relative to the home folder, or absolute). The SLOGFILE environment
# variable, when set, takes precedence; a relative SLOGFILE is relative to
# the folder agd was started in. agd refuses to start if the file cannot be
# opened for append.
slogfile = "{{ .Swingset.Slogfile }}"
`
