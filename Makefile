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

# TEST_TAGS add "demo", which the fakes, the demo command and the tests that
# run against the fakes need. The helper binary the tests build
# (internal/helpertest) gets TAGS through KEYRELAY_BUILD_TAGS (or, under a
# plain `go test -tags …`, from the test binary's own build info).
TEST_TAGS := demo $(TAGS)
comma     := ,
empty     :=
space     := $(empty) $(empty)
tagflag    = -tags '$(subst $(space),$(comma),$(strip $(1)))'
export KEYRELAY_BUILD_TAGS := $(TAGS)

# Packages that need Chromium or Wine; everything else is `make unit`.
SLOW_PKGS := ./e2e/...
UNIT_PKGS  = $(shell $(GO) list $(call tagflag,$(TEST_TAGS)) ./... | grep -v '^keyrelay/e2e')

.PHONY: run build test unit e2e windows-smoke vet fmt-check test-deps extension lint-extension release demo bench clean print-tags

build:
	$(GO) build $(call tagflag,$(TAGS)) -o $(BIN) ./helper

## run: build and run the helper on the default data dir (~/.local/share/keyrelay)
run: build
	./$(BIN) run

## test: everything CI runs, on a fresh machine (installs chromium, wine64, mingw-w64 if missing)
test: test-deps vet fmt-check
	node --test extension/test/
	$(GO) test $(call tagflag,$(TEST_TAGS)) -race -count=1 -timeout 30m ./...
	$(MAKE) windows-smoke

## unit: every Go test except the browser (e2e) and Wine ones, and the extension's node tests
unit: vet fmt-check
	node --test extension/test/
	$(GO) test $(call tagflag,$(TEST_TAGS)) -count=1 -timeout 5m $(UNIT_PKGS)

## e2e: real Chromium with the real extension and the real helper binary
e2e: test-deps
	$(GO) test $(call tagflag,$(TEST_TAGS)) -count=1 -timeout 20m $(SLOW_PKGS)

## windows-smoke: keyrelay.exe (windows/amd64) under Wine: version, run, WebSocket capture, history, stop
windows-smoke: test-deps
	@GO=$(GO) TAGS='$(TAGS)' bash scripts/wine-smoke.sh

test-deps:
	@bash scripts/ensure-test-deps.sh

# vet sees the tests with their tags; the build without "demo" proves the
# production binary needs none of the fakes.
vet:
	$(GO) vet $(call tagflag,$(TEST_TAGS)) ./...
	$(GO) build $(call tagflag,$(TAGS)) ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## extension: zip only what the browser needs
extension:
	@bash scripts/package-extension.sh

## lint-extension: web-ext lint (from npm, through npx) on the Firefox package
lint-extension:
	@bash scripts/package-extension.sh firefox
	@d=$$(mktemp -d) && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' dist/keyrelay-extension-firefox.zip $$d && \
		npx --yes web-ext@8 lint --source-dir $$d --warnings-as-errors --output text; rc=$$?; rm -rf $$d; exit $$rc

## release: dist/ with the Linux and Windows binaries, the Windows zip, the extension zips and SHA256SUMS
release:
	@GO=$(GO) TAGS='$(TAGS)' bash scripts/release.sh

## demo: helper + fake RMS + fake GoQ (+ a Chromium window with the extension where a display exists)
demo:
	$(GO) build $(call tagflag,$(TEST_TAGS)) -o bin/keyrelay-demo ./helper
	./bin/keyrelay-demo demo

## bench: the figures in BENCHMARKS.md
bench:
	@TAGS="$(TAGS)" bash scripts/bench.sh

print-tags:
	@echo "$(TAGS)"

clean:
	rm -rf bin dist
