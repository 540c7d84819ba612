package keeper

import "errors"

// ErrValueTooLarge is a write over the max_value_size param.
var ErrValueTooLarge = errors.New("value too large")
