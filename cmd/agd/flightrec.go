package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/agd-project/agd/flightrec"
)

// flightrecCmd reads flight records: a recorder's folder, a dump, or a
// plain slog file.
func flightrecCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flightrec",
		Short: "Read the kernel's flight records: a node's <home>/data/flight-recorder, a consensus-failure dump, or a slog file",
	}
	cmd.AddCommand(flightrecCatCmd(), flightrecDiffCmd())
	return cmd
}

func flightrecCatCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cat FILE|DIR",
		Short: "Print a flight record's slog entries as JSONL, in block order",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, err := flightrec.Load(args[0])
			if err != nil {
				return fmt.Errorf("read %s: %w", args[0], err)
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			for _, r := range recs {
				w.Write(r.Entry)
				w.WriteByte('\n')
			}
			return w.Flush()
		},
	}
}

func flightrecDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff A B",
		Short: "Print the first slog entry where two flight records disagree, ignoring time and monotime",
		Long: `Compare two flight records (dumps, recorder folders or slog files) over the
blocks both hold and print the first entry that differs other than in its time
and monotime: its block, crank, vat and delivery, and the two entries side by
side. Exits 0 when the common blocks agree, 1 when they differ.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := flightrec.Load(args[0])
			if err != nil {
				return fmt.Errorf("read %s: %w", args[0], err)
			}
			b, err := flightrec.Load(args[1])
			if err != nil {
				return fmt.Errorf("read %s: %w", args[1], err)
			}
			cmpd, d, err := flightrec.Diff(a, b)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(cmpd.Common) == 0 {
				return fmt.Errorf("no block in common: %s holds %v, %s holds %v", args[0], cmpd.OnlyA, args[1], cmpd.OnlyB)
			}
			fmt.Fprintf(out, "compared blocks %v (only in A: %v, only in B: %v)\n", cmpd.Common, cmpd.OnlyA, cmpd.OnlyB)
			if d == nil {
				fmt.Fprintln(out, "no divergence: the common blocks agree, time and monotime aside")
				return nil
			}
			fmt.Fprintf(out, "first divergence: block %d, entry %d, crank %s, vat %s, delivery %s\n",
				d.Height, d.Index, orNone(d.Crank), orNone(d.Vat), orNone(d.Delivery))
			writeSideBySide(out, "A: "+args[0], "B: "+args[1], d.A, d.B)
			return exitCodeError{code: 1, err: errors.New("the flight records differ")}
		},
	}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeSideBySide prints two entries as indented JSON in two columns,
// without their time and monotime, marking the lines that differ.
func writeSideBySide(w io.Writer, titleA, titleB string, a, b json.RawMessage) {
	left, right := entryLines(a), entryLines(b)
	fmt.Fprintln(w, titleA)
	fmt.Fprintln(w, titleB)
	width := 1
	for _, l := range left {
		width = max(width, utf8.RuneCountInString(l))
	}
	width = min(width, 100)
	row := func(mark, l, r string) {
		fmt.Fprintf(w, "%s %s%s | %s\n", mark, l, strings.Repeat(" ", max(0, width-utf8.RuneCountInString(l))), r)
	}
	row(" ", "A", "B")
	for i := 0; i < max(len(left), len(right)); i++ {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		mark := " "
		if l != r {
			mark = "≠"
		}
		row(mark, l, r)
	}
}

func entryLines(e json.RawMessage) []string {
	if e == nil {
		return []string{"(no entry: this block ended here)"}
	}
	norm, err := flightrec.Normalize(e)
	if err != nil {
		return []string{string(e)}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, norm, "", "  "); err != nil {
		return []string{string(norm)}
	}
	return strings.Split(buf.String(), "\n")
}
