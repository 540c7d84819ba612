package types

import (
	"fmt"

	"github.com/cosmos/cosmos-sdk/types/bech32"
)

// AllAccounts, alone in MonitoredAddresses, watches every account.
const AllAccounts = "*"

// DefaultParams watches every account.
func DefaultParams() Params {
	return Params{MonitoredAddresses: []string{AllAccounts}}
}

// Validate checks that each monitored address is bech32, or that the list
// is "*" alone.
func (p Params) Validate() error {
	for i, a := range p.MonitoredAddresses {
		if a == AllAccounts {
			if len(p.MonitoredAddresses) != 1 {
				return fmt.Errorf("monitored_addresses: %q must stand alone", AllAccounts)
			}
			continue
		}
		if _, _, err := bech32.DecodeAndConvert(a); err != nil {
			return fmt.Errorf("monitored_addresses[%d]: %q: %w", i, a, err)
		}
	}
	return nil
}

// MonitorsAll reports whether p watches every account.
func (p Params) MonitorsAll() bool {
	return len(p.MonitoredAddresses) == 1 && p.MonitoredAddresses[0] == AllAccounts
}
