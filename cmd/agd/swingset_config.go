package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/viper"
)

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
# variable, when set, takes precedence.
slogfile = "{{ .Swingset.Slogfile }}"
`

// kernelEnv is the kernel's environment: agd's own, plus SLOGFILE from
// app.toml unless the environment already names one.
func kernelEnv(v *viper.Viper, home string) []string {
	env := os.Environ()
	if _, set := os.LookupEnv("SLOGFILE"); set {
		return env
	}
	path := v.GetString(flagSwingsetSlogfile)
	if path == "" {
		return env
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(home, path)
	}
	return append(env, "SLOGFILE="+path)
}
