# Front door of the MegaDB build.
#   make          install missing Debian packages, configure and build into build/
#   make run      build, then start the shell on the default data directory (./megadb-data)
#   make test     build, then run every test (unit, SQL, shared corpora when ../shared exists)
#   make asan     the same tests on an ASan+UBSan build in build-asan/
#   make fuzz     build the libFuzzer targets in build-fuzz/ (clang)
BUILD ?= build
JOBS ?= $(shell nproc)
DATA ?= megadb-data

.PHONY: all deps run test asan fuzz clean

all: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps.sh --check-or-install

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null

run: all
	$(BUILD)/megadb $(DATA)

test: all
	@scripts/run-tests.sh $(BUILD)

asan:
	@MEGADB_TPCH_SF01=0 $(MAKE) --no-print-directory BUILD=build-asan CMAKE_ARGS="-DMEGADB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug" test

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DMEGADB_FUZZ=ON -DMEGADB_SANITIZE=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_sql fuzz_pgwire

clean:
	rm -rf build build-asan build-fuzz
