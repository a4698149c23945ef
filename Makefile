# keyrelay — the two commands that matter are `make run` and `make test`.
GO      ?= go
BIN     := bin/keyrelay
# TAGS: the build tags every build, test and benchmark uses; set here only.
# sqlite_fts5 compiles FTS5 into mattn/go-sqlite3 (the history's text index);
# a binary without it refuses to open the database and says so. Tests that
# build the helper reuse the tags their own test binary was built with, and
# scripts/bench.sh asks `make print-tags`. Add a tag beside it, never
# replace it: `-tags "$(TAGS) demo"` (a -tags flag replaces GOFLAGS' tags).
TAGS    ?= sqlite_fts5
GOFILES := $(shell git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)

.PHONY: run build test vet fmt-check test-deps extension demo bench clean print-tags

build:
	$(GO) build -tags "$(TAGS)" -o $(BIN) ./helper

## run: build and run the helper on the default data dir (~/.local/share/keyrelay)
run: build
	./$(BIN) run

## test: everything CI runs, on a fresh machine (installs Debian's chromium if missing)
test: test-deps vet fmt-check
	node --test extension/test/
	$(GO) test -tags "$(TAGS)" -race -count=1 -timeout 30m ./...

test-deps:
	@bash scripts/ensure-test-deps.sh

vet:
	$(GO) vet -tags "$(TAGS)" ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## extension: zip only what the browser needs
extension:
	@bash scripts/package-extension.sh

## demo: helper + fake RMS + fake GoQ (+ a Chromium window with the extension where a display exists)
demo: build
	./$(BIN) demo

## bench: the figures in BENCHMARKS.md
bench:
	@TAGS="$(TAGS)" bash scripts/bench.sh

print-tags:
	@echo "$(TAGS)"

clean:
	rm -rf bin dist
