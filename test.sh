#!/usr/bin/env bash
# The whole test suite: formatting, vet, race-enabled tests, bounded fuzzing and the JS client.
# FUZZTIME (default 30s) bounds the main fuzz targets, SHORTFUZZ (default 10s) the others.
set -euo pipefail
cd "$(dirname "$0")"
FUZZTIME=${FUZZTIME:-30s}

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files -co --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -timeout 40m ./...

echo "== fuzz"
# package:target:time. The two differential properties the issues ask for run FUZZTIME
# (default 30s); the input-hardening targets run SHORTFUZZ (default 10s). Their seed corpora
# and kept crashers already ran above as regular tests; a new crasher fails the run and is
# written to the package's testdata/fuzz for the next run.
SHORTFUZZ=${SHORTFUZZ:-10s}
fuzz_targets=(
  "./render/conformance:FuzzRenderMatchesHTMLTemplate:$FUZZTIME"
  "./diff:FuzzDiffRoundTrip:$FUZZTIME"
  "./render:FuzzEscapeHTMLString:$SHORTFUZZ"
  "./diff:FuzzAppendString:$SHORTFUZZ"
  "./diff/client:FuzzApply:$SHORTFUZZ"
  "./live:FuzzDecodeEvent:$SHORTFUZZ"
  "./live/channel:FuzzDecodeFrame:$SHORTFUZZ"
  "./live/channel:FuzzFrames:$SHORTFUZZ"
  "./live/token:FuzzVerify:$SHORTFUZZ"
  "./live/livetest:FuzzFrame:$SHORTFUZZ"
  "./live/livetest:FuzzPushes:$SHORTFUZZ"
  "./live/livetest:FuzzEncodeForm:$SHORTFUZZ"
  "./live/form:FuzzDecode:$SHORTFUZZ"
  "./examples/productpage/admin:FuzzAPI:$SHORTFUZZ"
  "./internal/wsclient:FuzzReadMessage:$SHORTFUZZ"
)
fuzz_log=$(mktemp)
trap 'rm -f "$fuzz_log"' EXIT
fuzz_one() {
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$fuzz_log"
}
for spec in "${fuzz_targets[@]}"; do
  IFS=: read -r pkg target fuzztime <<<"$spec"
  echo "-- $pkg $target ($fuzztime)"
  if fuzz_one; then
    continue
  fi
  # Go 1.26's fuzz coordinator can fail a target with a bare "context deadline exceeded"
  # when -fuzztime ends while a worker is mid-run (a known race, fixed in Go 1.27).
  # That failure found nothing; a real one writes its input to testdata/fuzz. Run such a
  # target once more; any other failure, or a second one, fails the suite.
  if grep -q 'context deadline exceeded' "$fuzz_log" && ! grep -q 'Failing input written' "$fuzz_log"; then
    echo "-- $target: the fuzz coordinator's deadline race, no input found; running it again"
    fuzz_one
  else
    exit 1
  fi
done

if [ -d js/test ]; then
  echo "== js client"
  npm test
fi
echo "== all tests passed"
