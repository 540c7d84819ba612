package types

import (
	"archive/zip"
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ModuleFormatEndoZipBase64 is the only bundle format the kernel installs:
// what `bundle-source --cache-json DIR contract.js NAME` writes to
// DIR/bundle-NAME.json.
const ModuleFormatEndoZipBase64 = "endoZipBase64"

// compartmentMapName is the zip entry that endoZipBase64Sha512 hashes.
const compartmentMapName = "compartment-map.json"

// Bundle is an endoZipBase64 bundle, the JSON object bundle-source writes.
type Bundle struct {
	ModuleFormat  string `json:"moduleFormat"`
	EndoZipBase64 string `json:"endoZipBase64"`
	// EndoZipBase64Sha512 is the lower-case hex SHA-512 of the archive's
	// compartment-map.json, as @endo/compartment-mapper computes it and
	// @endo/check-bundle checks it: the compartment map names the SHA-512
	// of every module in the archive, so this one hash covers them all. It
	// is not the hash of the zip's bytes.
	EndoZipBase64Sha512 string `json:"endoZipBase64Sha512"`
}

// ParseBundle checks that text is an endoZipBase64 bundle whose hash matches
// its archive, and returns it. Every refusal names the field at fault. The
// kernel checks the bundle again (checkBundle) before it installs it; this
// check refuses a bad bundle before it costs a block anything.
func ParseBundle(text string) (Bundle, error) {
	var b Bundle
	t := strings.TrimSpace(text)
	if t == "" {
		return b, errors.New("bundle: empty")
	}
	if t[0] != '{' || !json.Valid([]byte(t)) {
		return b, fmt.Errorf("bundle: not a JSON object: %q", truncate(t, 40))
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, fmt.Errorf("bundle: not a JSON object with string fields moduleFormat, endoZipBase64 and endoZipBase64Sha512: %w", err)
	}
	if b.ModuleFormat != ModuleFormatEndoZipBase64 {
		return b, fmt.Errorf("bundle: moduleFormat: %q, want %q (bundle-source --cache-json writes it)", b.ModuleFormat, ModuleFormatEndoZipBase64)
	}
	zipBytes, err := decodeBase64(b.EndoZipBase64)
	if err != nil {
		return b, fmt.Errorf("bundle: endoZipBase64: %w", err)
	}
	want, err := parseSha512(b.EndoZipBase64Sha512)
	if err != nil {
		return b, fmt.Errorf("bundle: endoZipBase64Sha512: %w", err)
	}
	got, err := compartmentMapSha512(zipBytes)
	if err != nil {
		return b, fmt.Errorf("bundle: endoZipBase64: %w", err)
	}
	if !bytes.Equal(got, want) {
		return b, fmt.Errorf("bundle: endoZipBase64Sha512: %s does not match the archive's %s, SHA-512 %s",
			truncate(b.EndoZipBase64Sha512, 16), compartmentMapName, truncate(hex.EncodeToString(got), 16))
	}
	return b, nil
}

// JSON returns the bundle as the compact object the kernel receives.
func (b Bundle) JSON() (json.RawMessage, error) {
	bz, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return bz, nil
}

// decodeBase64 accepts only canonical padded standard base64, what
// @endo/base64 writes: Go's decoder would also skip line breaks, which
// would let two texts name one archive.
func decodeBase64(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	bz, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not valid base64: %w", err)
	}
	if base64.StdEncoding.EncodeToString(bz) != s {
		return nil, errors.New("not canonical base64 (line breaks or other characters outside the alphabet)")
	}
	return bz, nil
}

// parseSha512 checks that s is 128 lower-case hex digits.
func parseSha512(s string) ([]byte, error) {
	if len(s) != 2*sha512.Size {
		return nil, fmt.Errorf("%d characters, want %d lower-case hex digits", len(s), 2*sha512.Size)
	}
	if strings.ToLower(s) != s {
		return nil, errors.New("not lower-case hex")
	}
	bz, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not lower-case hex: %w", err)
	}
	return bz, nil
}

// compartmentMapSha512 opens zipBytes as a zip archive and hashes its
// compartment-map.json. @endo/zip reads only stored (uncompressed)
// entries, so a compressed one is refused here too; that also bounds what
// reading it costs by the archive's own size.
func compartmentMapSha512(zipBytes []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != compartmentMapName {
			continue
		}
		if f.Method != zip.Store {
			return nil, fmt.Errorf("%s is compressed (method %d); endo archives store it uncompressed", compartmentMapName, f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", compartmentMapName, err)
		}
		defer rc.Close()
		h := sha512.New()
		// f.Open checks the entry's CRC-32 as it reads to the end.
		if _, err := io.Copy(h, io.LimitReader(rc, int64(len(zipBytes)))); err != nil {
			return nil, fmt.Errorf("read %s: %w", compartmentMapName, err)
		}
		return h.Sum(nil), nil
	}
	return nil, fmt.Errorf("zip archive has no %s", compartmentMapName)
}
