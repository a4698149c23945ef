# keyrelay — the two commands that matter are `make run` and `make test`.
GO      ?= go
BIN     := bin/keyrelay
GOFILES := $(shell git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)

.PHONY: run build test vet fmt-check test-deps extension demo bench clean

build:
	$(GO) build -o $(BIN) ./helper

## run: build and run the helper on the default data dir (~/.local/share/keyrelay)
run: build
	./$(BIN) run

## test: everything CI runs, on a fresh machine (installs Debian's chromium if missing)
test: test-deps vet fmt-check
	node --test extension/test/
	$(GO) test -race -count=1 -timeout 30m ./...

test-deps:
	@bash scripts/ensure-test-deps.sh

vet:
	$(GO) vet ./...

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
	@bash scripts/bench.sh

clean:
	rm -rf bin dist
