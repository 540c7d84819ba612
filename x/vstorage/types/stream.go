package types

import (
	"encoding/json"
	"strconv"
)

// StreamCell is what an appended path holds: the values appended during one
// block, as Agoric's vstorage keeps them, so a reader that polls once per
// block misses nothing. BlockHeight is a decimal string, as in Agoric.
type StreamCell struct {
	BlockHeight string   `json:"blockHeight"`
	Values      []string `json:"values"`
}

// AppendToCell returns the cell after appending value at height: current
// grows if it is a cell of the same block, else a new cell starts.
func AppendToCell(current string, has bool, height int64, value string) StreamCell {
	h := strconv.FormatInt(height, 10)
	var cell StreamCell
	if has && json.Unmarshal([]byte(current), &cell) == nil && cell.BlockHeight == h && cell.Values != nil {
		cell.Values = append(cell.Values, value)
		return cell
	}
	return StreamCell{BlockHeight: h, Values: []string{value}}
}
