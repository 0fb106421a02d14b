#!/usr/bin/env bash
# Benchmark: `clever-runner exec` of a trivial job (image present, `echo hi`) against gitlab-ci-local 4.53 running
# the same job, in one run on the same Docker Engine, N rounds interleaved (each round runs every command once, so
# a change of the machine's load weighs on all alike). Prints median and min wall time of each, in ms.
# Usage: scripts/bench-start.sh [rounds]  (default 10)
# - clever-runner exec: through the launcher (runner-dist/src/bin/clever-runner) with its CDS archive already made
#   (one run before the rounds, as after an install), then the same without CDS (CLEVER_RUNNER_CDS=off: the
#   launcher's other flags only) and `java -jar` as the README had it, for comparison.
# - gitlab-ci-local 4.53 (from npm into a private prefix when not on PATH, with Debian's rsync, which it needs),
#   --pull-policy if-not-present; its helper image firecow/gitlab-ci-local-util (it only runs sh, chown and chmod
#   there for a job without artifacts) is the local clever-runner/busybox tagged so when absent: no registry here.
set -euo pipefail
rounds="${1:-10}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export CLEVER_RUNNER_NO_RGW=1 # exec keeps its caches on disk: no S3 server needed
log() { echo "[bench-start] $*" >&2; }

log "building runner-cli (mvn -B -q -ntp -DskipTests -pl runner-cli -am package)"
mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl runner-cli -am package
# shellcheck source=scripts/test-env.sh
source "$repo_root/scripts/test-env.sh"

work="$(mktemp -d)"
tagged=""
cleanup_bench() {
  [[ -z $tagged ]] || docker rmi firecow/gitlab-ci-local-util:latest >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap 'rc=$?; cleanup_bench; (exit $rc); _cr_cleanup' EXIT

gcl="$(command -v gitlab-ci-local || true)"
if [[ -z $gcl || $("$gcl" --version) != 4.53.* ]]; then
  log "installing gitlab-ci-local@4.53 with npm into $work/npm"
  npm install --silent --no-audit --no-fund --prefix "$work/npm" gitlab-ci-local@4.53 >&2
  gcl="$work/npm/node_modules/.bin/gitlab-ci-local"
fi
command -v rsync >/dev/null 2>&1 || _cr_apt_install rsync
if ! docker image inspect firecow/gitlab-ci-local-util:latest >/dev/null 2>&1; then
  docker tag clever-runner/busybox firecow/gitlab-ci-local-util:latest
  tagged=1
fi

# the project: one job, a git repository with an origin (gitlab-ci-local reads its remote for CI_PROJECT_*)
project="$work/project"
mkdir -p "$project"
cat >"$project/.gitlab-ci.yml" <<'YAML'
hi:
  image: clever-runner/busybox
  script:
    - echo hi
YAML
printf '.gitlab-ci-local/\nclever-runner-artifacts/\n' >"$project/.gitignore"
git -C "$project" init -q -b main
git -C "$project" add -A
git -C "$project" -c user.name=bench -c user.email=bench@localhost commit -qm bench
git -C "$project" remote add origin https://gitlab.example.com/bench/project.git
git -C "$project" update-ref refs/remotes/origin/main HEAD
git -C "$project" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main

launcher="$repo_root/runner-dist/src/bin/clever-runner"
export CLEVER_RUNNER_JAR="$repo_root/runner-cli/target/clever-runner.jar"
export CLEVER_RUNNER_CDS_DIR="$work/cds" XDG_CACHE_HOME="$work/cache"
names=("clever-runner exec (launcher, CDS)" "gitlab-ci-local 4.53" "clever-runner exec (launcher, no CDS)"
  "java -jar clever-runner.jar exec")
commands=("$launcher exec hi" "$gcl --pull-policy if-not-present hi" "env CLEVER_RUNNER_CDS=off $launcher exec hi"
  "java -jar $CLEVER_RUNNER_JAR exec hi")

cd "$project"
log "first runs (the launcher makes its CDS archive; gitlab-ci-local its state directory)"
for command in "${commands[@]}"; do
  # shellcheck disable=SC2086 # each command is a word list
  $command >"$work/first.log" 2>&1 || { cat "$work/first.log" >&2; log "ERROR: $command failed"; exit 1; }
done
ls "$CLEVER_RUNNER_CDS_DIR"/exec-*.jsa >/dev/null || { log "ERROR: the launcher made no CDS archive"; exit 1; }

declare -A times
for round in $(seq 1 "$rounds"); do
  for i in "${!commands[@]}"; do
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    ${commands[$i]} >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; log "ERROR: ${commands[$i]} failed"; exit 1; }
    end=$(date +%s%N)
    times[$i]+="$(((end - start) / 1000000)) "
  done
  log "round $round/$rounds done"
done

echo "trivial job (echo hi, image present), $rounds interleaved rounds, Docker $(docker version --format '{{.Server.Version}}'), $(nproc) cores"
printf '%-40s %10s %10s\n' "command" "median ms" "min ms"
for i in "${!commands[@]}"; do
  # shellcheck disable=SC2086
  mapfile -t sorted < <(printf '%s\n' ${times[$i]} | sort -n)
  n=${#sorted[@]}
  if ((n % 2)); then median=${sorted[n / 2]}; else median=$(((sorted[n / 2 - 1] + sorted[n / 2]) / 2)); fi
  printf '%-40s %10s %10s\n' "${names[$i]}" "$median" "${sorted[0]}"
done
