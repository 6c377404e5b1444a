#!/usr/bin/env bash
# client-conformance.sh — runs the official MCP conformance suite
# (@modelcontextprotocol/conformance) in CLIENT mode against `erlmcp client`, one scenario
# at a time, and prints one line per scenario plus a final line exactly of the form
#
#     client conformance: N passed, M failed
#
# A scenario passes when none of its checks is FAILURE (the suite's own rule).
#
# Usage:  .ci/client-conformance.sh [--binary] [OUTDIR]
#   --binary  test dist/erlmcp (npm run build) instead of `bun src/cli/main.ts`
#   OUTDIR    where results go (default: a new /tmp/client-conformance.XXXXXX):
#             OUTDIR/logs/<f>.log, OUTDIR/raw/<f>/<s>-<timestamp>/checks.json, where <f> is
#             the scenario name with each "/" as "__" (auth/basic-cimd: auth__basic-cimd)
#
# Environment (all optional):
#   CLIENT_SCENARIOS              scenarios to run (default: every client scenario of the
#                                 suite, the 33 auth/* ones included, below)
#   CLIENT_COMMAND                the client command the suite runs (it appends the URL)
#   CONFORMANCE_VERSION           suite version (0.2.0-alpha.12)
#   CONFORMANCE_CACHE             install cache shared with conformance.sh (/tmp/mcp-conformance-cache)
#   CONFORMANCE_NODE              a Node >= 22 binary to run the suite with
#   CONFORMANCE_NODE_VERSION      the Node 22 conformance.sh fetches from npm (22.23.3)
#   CONFORMANCE_SCENARIO_TIMEOUT  seconds per scenario (60)
#   CONFORMANCE_STRICT            1 = exit 1 when any scenario failed
#
# The suite and a Node 22 come from the cache that ../shared/tools/conformance.sh (copy:
# .ci/conformance.sh) fills: suite-<version>/ and node-<version>-<arch>/. When they are
# missing, that script is run once against an address where nothing listens, which installs
# both and fails fast (its exit 4); nothing is installed twice or differently.
set -u -o pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PROG=$(basename "$0")

BINARY=0
if [ "${1:-}" = "--binary" ]; then BINARY=1; shift; fi
[ $# -le 1 ] || { echo "usage: $PROG [--binary] [OUTDIR]" >&2; exit 2; }

VERSION=${CONFORMANCE_VERSION:-0.2.0-alpha.12}
CACHE=${CONFORMANCE_CACHE:-/tmp/mcp-conformance-cache}
NODE22_VERSION=${CONFORMANCE_NODE_VERSION:-22.23.3}
SCEN_TIMEOUT=${CONFORMANCE_SCENARIO_TIMEOUT:-60}
SCENARIOS=${CLIENT_SCENARIOS:-"initialize tools_call elicitation-sep1034-client-defaults sse-retry request-metadata \
  sep-2322-client-request-state http-standard-headers http-custom-headers http-invalid-tool-headers \
  json-schema-ref-no-deref json-schema-2020-12-preservation sep-2640-client-no-prefetch \
  sep-2640-client-verify-digest sep-2640-client-verify-size sep-2640-client-verify-frontmatter \
  auth/metadata-default auth/metadata-var1 auth/metadata-var2 auth/metadata-var3 auth/basic-cimd \
  auth/scope-from-www-authenticate auth/scope-from-scopes-supported auth/scope-omitted-when-undefined \
  auth/scope-step-up auth/scope-retry-limit auth/token-endpoint-auth-basic auth/token-endpoint-auth-post \
  auth/token-endpoint-auth-none auth/pre-registration auth/2025-03-26-oauth-metadata-backcompat \
  auth/2025-03-26-oauth-endpoint-fallback auth/resource-mismatch auth/offline-access-scope \
  auth/offline-access-not-supported auth/authorization-server-migration auth/iss-supported \
  auth/iss-not-advertised auth/iss-supported-missing auth/iss-wrong-issuer auth/iss-unexpected \
  auth/iss-normalized auth/metadata-issuer-mismatch auth/client-credentials-jwt auth/client-credentials-basic \
  auth/enterprise-managed-authorization auth/dpop auth/dpop-nonce auth/wif-jwt-bearer"}
if [ -n "${CLIENT_COMMAND:-}" ]; then CMD=$CLIENT_COMMAND
elif [ "$BINARY" = 1 ]; then CMD="$ROOT/dist/erlmcp client"
else CMD="$ROOT/node_modules/.bin/bun $ROOT/src/cli/main.ts client"; fi
[ "$BINARY" = 0 ] || [ -x "$ROOT/dist/erlmcp" ] || { echo "$PROG: dist/erlmcp missing (npm run build)" >&2; exit 3; }

OUTDIR=${1:-$(mktemp -d /tmp/client-conformance.XXXXXX)}
mkdir -p "$OUTDIR/logs" "$OUTDIR/raw" || { echo "$PROG: cannot write $OUTDIR" >&2; exit 3; }
OUTDIR=$(cd "$OUTDIR" && pwd)

case "$(uname -m)" in x86_64|amd64) NARCH=x64 ;; aarch64|arm64) NARCH=arm64 ;; *) NARCH=unknown ;; esac
SUITE_DIR="$CACHE/suite-$VERSION"
CLI="$SUITE_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
NODE22="$CACHE/node-$NODE22_VERSION-$NARCH/node_modules/node-linux-$NARCH/bin/node"
has_globsync() { "$1" --input-type=module -e 'import { globSync } from "node:fs"' >/dev/null 2>&1; }

pick_node() {
  NODE_ARGS=()
  if [ -n "${CONFORMANCE_NODE:-}" ]; then NODE=$CONFORMANCE_NODE
  elif has_globsync node; then NODE=$(command -v node)
  elif [ -x "$NODE22" ]; then NODE=$NODE22
  elif [ -f "$CACHE/globsync-shim.mjs" ]; then NODE=$(command -v node); NODE_ARGS=(--import "$CACHE/globsync-shim.mjs")
  else NODE=""; fi
}

pick_node
if [ ! -f "$CLI" ] || [ -z "$NODE" ]; then
  HARNESS=../shared/tools/conformance.sh
  [ -x "$HARNESS" ] || HARNESS=.ci/conformance.sh
  echo "$PROG: installing the suite and Node 22 into $CACHE via $HARNESS" >&2
  CONFORMANCE_VERSION=$VERSION CONFORMANCE_CACHE=$CACHE CONFORMANCE_NODE_VERSION=$NODE22_VERSION \
    "$HARNESS" http://127.0.0.1:9/mcp "$OUTDIR/install" >/dev/null 2>"$OUTDIR/logs/install.log"
  pick_node
fi
[ -f "$CLI" ] || { echo "$PROG: setup error: the suite is not in $SUITE_DIR (see $OUTDIR/logs/install.log)" >&2; exit 3; }
[ -n "$NODE" ] || { echo "$PROG: setup error: no Node with fs.globSync (see $OUTDIR/logs/install.log)" >&2; exit 3; }

echo "client conformance: @modelcontextprotocol/conformance@$VERSION on node $("$NODE" --version)"
echo "client command: $CMD"

PASS=0; FAIL=0
for s in $SCENARIOS; do
  # Scenario names may hold "/" (auth/...): one flat file name per scenario.
  f=${s//\//__}
  raw="$OUTDIR/raw/$f"; log="$OUTDIR/logs/$f.log"
  rm -rf "$raw"; mkdir -p "$raw"
  timeout -k 5 "$SCEN_TIMEOUT" "$NODE" ${NODE_ARGS[@]+"${NODE_ARGS[@]}"} "$CLI" client \
    --command "$CMD" --scenario "$s" -o "$raw" > "$log" 2>&1 < /dev/null
  rc=$?
  checks=$(find "$raw" -name checks.json -type f 2>/dev/null | head -1)
  if [ -n "$checks" ]; then
    line=$("$NODE" -e '
      const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const n = (s) => c.filter((x) => x.status === s).length;
      const f = c.find((x) => x.status === "FAILURE");
      const why = f ? ("  -- " + f.id + ": " + (f.errorMessage || f.description || "")).replace(/\s+/g, " ").slice(0, 240) : "";
      console.log((n("FAILURE") ? "FAIL" : "PASS") + "\tchecks ok=" + n("SUCCESS") + " fail=" + n("FAILURE") + " warn=" + n("WARNING") + why);
    ' "$checks")
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then line=$'FAIL\ttimed out after '"$SCEN_TIMEOUT"'s'
  else line=$'FAIL\tno results (suite exit '"$rc"'): '"$(grep -v '^\s*$' "$log" | tail -1 | cut -c1-200)"; fi
  status=${line%%$'\t'*}
  if [ "$status" = PASS ]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); fi
  printf '%-4s %-40s %s\n' "$status" "$s" "${line#*$'\t'}"
done
echo "client conformance: $PASS passed, $FAIL failed"
if [ "${CONFORMANCE_STRICT:-0}" = 1 ] && [ "$FAIL" -gt 0 ]; then exit 1; fi
exit 0
