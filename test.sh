#!/usr/bin/env bash
# The whole test suite: formatting, vet, race-enabled tests, bounded fuzzing and the JS client.
# FUZZTIME (default 30s) bounds each fuzz target.
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

echo "== fuzz ($FUZZTIME each)"
# package:target pairs; each runs for FUZZTIME. New crashers land in testdata/fuzz and fail the run.
fuzz_targets=(
)
for pt in "${fuzz_targets[@]}"; do
  pkg=${pt%%:*}; target=${pt##*:}
  echo "-- $pkg $target"
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
done

if [ -d js/test ]; then
  echo "== js client"
  npm test
fi
echo "== all tests passed"
