package types_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/agd-project/agd/x/swingset/types"
)

// counterBundle is testdata/bundle-counter.json: bundle-source's own output.
func counterBundle(t *testing.T) string {
	t.Helper()
	bz, err := os.ReadFile("testdata/bundle-counter.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(bz)
}

// zipOf builds an archive of files (name, content pairs, in order), each
// written with method.
func zipOf(t *testing.T, method uint16, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		f, err := w.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha512Hex(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

func bundleJSON(t *testing.T, b map[string]any) string {
	t.Helper()
	bz, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(bz)
}

// bundleJSONString is the fixture as a JSON string holding the object's
// text: what the old action format carried, and what must not pass now.
func bundleJSONString(t *testing.T) string {
	t.Helper()
	bz, err := json.Marshal(strings.TrimSpace(counterBundle(t)))
	if err != nil {
		t.Fatal(err)
	}
	return string(bz)
}

const compartmentMap = `{"entry":{"compartment":"c","module":"./m.js"},"compartments":{}}`

func TestParseBundleAcceptsBundleSourceOutput(t *testing.T) {
	text := counterBundle(t)
	b, err := types.ParseBundle(text)
	if err != nil {
		t.Fatalf("bundle-source's output refused: %v", err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		t.Fatal(err)
	}
	out, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["moduleFormat"] != want["moduleFormat"] ||
		got["endoZipBase64"] != want["endoZipBase64"] || got["endoZipBase64Sha512"] != want["endoZipBase64Sha512"] {
		t.Fatalf("kernel JSON %s differs from the file", out)
	}
}

// TestParseBundleRefuses checks each way a bundle can be wrong, and that the
// error names the field at fault.
func TestParseBundleRefuses(t *testing.T) {
	var file map[string]any
	if err := json.Unmarshal([]byte(counterBundle(t)), &file); err != nil {
		t.Fatal(err)
	}
	good := file["endoZipBase64"].(string)
	goodSum := file["endoZipBase64Sha512"].(string)
	zipBytes, err := base64.StdEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	with := func(field string, v any) string {
		b := map[string]any{"moduleFormat": "endoZipBase64", "endoZipBase64": good, "endoZipBase64Sha512": goodSum}
		b[field] = v
		return bundleJSON(t, b)
	}
	archive := func(z []byte) string {
		return bundleJSON(t, map[string]any{"moduleFormat": "endoZipBase64",
			"endoZipBase64": base64.StdEncoding.EncodeToString(z), "endoZipBase64Sha512": sha512Hex([]byte(compartmentMap))})
	}
	flipped := []byte(goodSum)
	if flipped[0] == 'a' {
		flipped[0] = 'b'
	} else {
		flipped[0] = 'a'
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"empty", "  ", "bundle: empty"},
		{"a string holding the bundle", bundleJSONString(t), "bundle: not a JSON object: "},
		{"an array", `[1]`, "bundle: not a JSON object: "},
		{"null", `null`, "bundle: not a JSON object: "},
		{"JS source", `export default 1;`, "bundle: not a JSON object: "},
		{"text after the object", counterBundle(t) + `{}`, "bundle: not a JSON object: "},
		{"a number field", with("endoZipBase64", 1), "bundle: not a JSON object with string fields"},
		{"an unknown field", with("extra", "x"), `unknown field "extra"`},
		{"another module format", with("moduleFormat", "nestedEvaluate"), "bundle: moduleFormat"},
		{"no zip", with("endoZipBase64", ""), "bundle: endoZipBase64: empty"},
		{"bad base64", with("endoZipBase64", "UEsD!!!"), "bundle: endoZipBase64: not valid base64"},
		{"line breaks in base64", with("endoZipBase64", good[:40]+"\n"+good[40:]), "bundle: endoZipBase64: not canonical base64"},
		{"base64 of no zip", with("endoZipBase64", base64.StdEncoding.EncodeToString([]byte("not a zip"))), "bundle: endoZipBase64: not a zip archive"},
		{"no compartment map", archive(zipOf(t, zip.Store, "m.js", "1")), "bundle: endoZipBase64: zip archive has no compartment-map.json"},
		{"compressed compartment map", archive(zipOf(t, zip.Deflate, "compartment-map.json", compartmentMap)), "bundle: endoZipBase64: compartment-map.json is compressed"},
		{"no hash", with("endoZipBase64Sha512", ""), "bundle: endoZipBase64Sha512: 0 characters"},
		{"upper-case hash", with("endoZipBase64Sha512", strings.ToUpper(goodSum)), "bundle: endoZipBase64Sha512: not lower-case hex"},
		{"non-hex hash", with("endoZipBase64Sha512", "z"+goodSum[1:]), "bundle: endoZipBase64Sha512: not lower-case hex"},
		{"hash that does not match", with("endoZipBase64Sha512", string(flipped)), "bundle: endoZipBase64Sha512: " + string(flipped[:16]) + "... does not match"},
		// The tempting wrong reading: the hash of the zip's bytes.
		{"hash of the zip bytes", with("endoZipBase64Sha512", sha512Hex(zipBytes)), "does not match the archive's compartment-map.json"},
	} {
		_, err := types.ParseBundle(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestParseBundleHashesTheCompartmentMap checks the rule on an archive
// built here, so the fixture is not the only bundle that passes.
func TestParseBundleHashesTheCompartmentMap(t *testing.T) {
	z := zipOf(t, zip.Store, "compartment-map.json", compartmentMap, "c/m.js", "export default 1;")
	text := bundleJSON(t, map[string]any{"moduleFormat": "endoZipBase64",
		"endoZipBase64": base64.StdEncoding.EncodeToString(z), "endoZipBase64Sha512": sha512Hex([]byte(compartmentMap))})
	if _, err := types.ParseBundle(text); err != nil {
		t.Fatal(err)
	}
}
