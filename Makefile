# clusterscope: make run, make test.
GO ?= go
PKGS := ./...

.PHONY: run test build generate lint bench race fuzz sweep clean

run: ## serve on http://localhost:8080/
	$(GO) run ./cmd/clusterscope

test: ## every test, browser tests included (skipped without chromium unless REQUIRE_BROWSER=1)
	$(GO) test -count=1 -timeout 10m $(PKGS)

race: ## every test under the race detector, with -short (smaller sweeps)
	$(GO) test -race -short -count=1 -timeout 15m $(PKGS)

SWEEP_SEEDS ?= 10000
sweep: ## the seed sweeps at their full count (make test runs 200 seeds; SWEEP_SEEDS=N to change)
	CLUSTERSCOPE_SEEDS=$(SWEEP_SEEDS) $(GO) test -count=1 -timeout 120m -run 'Conformance/.*/sweep|Sweep' ./patterns/...

build:
	$(GO) build -o bin/clusterscope ./cmd/clusterscope

generate: ## templ → *_templ.go (run from the module root)
	$(GO) tool templ generate

lint: ## gofmt, go vet, a tidy go.mod, and generated templ code in step with its sources
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy: run go mod tidy and commit the result"; $(GO) mod tidy -diff; exit 1; }
	@before=$$(git ls-files -co --exclude-standard '*_templ.go' | sort | xargs -r sha256sum); \
	  $(GO) tool templ generate >/dev/null; \
	  after=$$(git ls-files -co --exclude-standard '*_templ.go' | sort | xargs -r sha256sum); \
	  if [ "$$before" != "$$after" ]; then echo "templ generate changed generated files: run make generate and commit them"; exit 1; fi; \
	  untracked=$$(git ls-files --others --exclude-standard -- '*_templ.go'); \
	  if [ -n "$$untracked" ]; then echo "generated but not tracked by git (git add them):"; echo "$$untracked"; exit 1; fi

FUZZTIME ?= 30s
fuzz: ## each fuzz target for FUZZTIME (plain go test runs their seed corpora)
	$(GO) test ./web -run '^$$' -fuzz '^FuzzDecodeClientMsg$$' -fuzztime $(FUZZTIME)
	$(GO) test ./web/share -run '^$$' -fuzz '^FuzzDecodeLog$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lessons -run '^$$' -fuzz '^FuzzParseScenario$$' -fuzztime $(FUZZTIME)
	$(GO) test ./lessons -run '^$$' -fuzz '^FuzzCondition$$' -fuzztime $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 20x $(PKGS)


clean:
	rm -rf bin artifacts
