#!/usr/bin/env bash
# The launcher's test, run by runner-dist's `mvn test` on any machine: bin/clever-runner against a stand-in
# JAVA_HOME whose `java` writes its arguments down (and, asked to, the CDS archive), so that the flags chosen for
# each command, the archive's life (made once, kept, rebuilt for another jar, dropped when unusable or when no
# directory is writable) and the exit codes are checked in a second, without a JVM.
set -euo pipefail
module="$1"
launcher="$module/src/bin/clever-runner"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "[launcher-test] FAILED: $what"; fi
}

mkdir -p "$work/jdk/bin" "$work/jdk/lib/server" "$work/lib"
touch "$work/jdk/lib/server/libjvm.so"
echo jar >"$work/lib/clever-runner.jar"
# the stand-in java: records each call's arguments on a line; writes the archive -XX:ArchiveClassesAtExit names
# unless FAKE_NO_ARCHIVE; a check run (-version) of an archive fails when FAKE_BAD_ARCHIVE; exits FAKE_EXIT; with
# FAKE_SIGNALS it runs until SIGTERM, writing down the signals it gets
cat >"$work/jdk/bin/java" <<'FAKE'
#!/usr/bin/env bash
echo "$*" >>"$FAKE_LOG"
if [[ -n ${FAKE_SIGNALS:-} ]]; then
  # as the runner does: write each signal down; SIGTERM ends it with FAKE_EXIT
  trap 'echo got-USR1 >>"$FAKE_LOG"' USR1
  trap 'echo got-HUP >>"$FAKE_LOG"' HUP
  trap 'echo got-TERM >>"$FAKE_LOG"; exit "${FAKE_EXIT:-0}"' TERM
  echo ready >>"$FAKE_LOG"
  while :; do sleep 0.05; done
fi
for arg in "$@"; do
  case "$arg" in
    -XX:ArchiveClassesAtExit=*) [[ -n ${FAKE_NO_ARCHIVE:-} ]] || echo archive >"${arg#*=}" ;;
    -version) [[ -z ${FAKE_BAD_ARCHIVE:-} ]] || exit 134 ;;
  esac
done
exit "${FAKE_EXIT:-0}"
FAKE
chmod +x "$work/jdk/bin/java"
export JAVA_HOME="$work/jdk" CLEVER_RUNNER_JAR="$work/lib/clever-runner.jar" FAKE_LOG="$work/calls"
export XDG_CACHE_HOME="$work/cache"
unset CLEVER_RUNNER_CDS_DIR CLEVER_RUNNER_CDS JAVA_OPTS CLEVER_RUNNER_OPTS
cds="$work/cache/clever-runner/cds"
run() { : >"$FAKE_LOG"; "$launcher" "$@"; }

run run --config x.toml
check "run: the JVM's own JIT and GC, no CDS, no -Xrs (it would take every signal from the runner)" \
  grep -qx -- "-jar $CLEVER_RUNNER_JAR run --config x.toml" "$FAKE_LOG"

# run's signals, as GitLab Runner's: the launcher stays the JVM's parent and passes them on, SIGQUIT as SIGUSR1
: >"$FAKE_LOG"
# (a background job of this script starts with SIGINT and SIGQUIT ignored, and under nohup SIGHUP is: a signal
# ignored on entry can be neither trapped nor reset by bash, so they are reset for it here, as systemd starts it)
FAKE_SIGNALS=1 FAKE_EXIT=3 env --default-signal=INT,QUIT,HUP "$launcher" run --config x.toml &
launcher_pid=$!
for _ in $(seq 1 50); do grep -q ready "$FAKE_LOG" 2>/dev/null && break; sleep 0.1; done
( sleep 20; kill -9 "$launcher_pid" 2>/dev/null ) & # never hang the build
watchdog=$!
# one at a time, each once the previous one arrived (a loaded machine may hold two pending in either order)
for pair in QUIT:USR1 HUP:HUP INT:TERM; do
  kill -s "${pair%%:*}" "$launcher_pid"
  for _ in $(seq 1 100); do grep -qx "got-${pair##*:}" "$FAKE_LOG" && break; sleep 0.05; done
done
rc=0
wait "$launcher_pid" || rc=$?
kill "$watchdog" 2>/dev/null || true
check "run: SIGQUIT reaches the JVM as SIGUSR1, SIGHUP as SIGHUP, SIGINT as SIGTERM" \
  bash -c "grep -A3 -x ready '$FAKE_LOG' | tr '\n' ' ' | grep -q 'ready got-USR1 got-HUP got-TERM'"
check "run: the launcher exits with the JVM's own code after a signal" test "$rc" -eq 3

run exec build
check "first exec: C1, serial GC, the archive written at exit" \
  grep -q -- "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData .*-XX:ArchiveClassesAtExit=.* -jar $CLEVER_RUNNER_JAR exec build" "$FAKE_LOG"
check "first exec: the archive checked by a JVM, then kept as exec-<key>.jsa" \
  bash -c "grep -q -- '-version' '$FAKE_LOG' && ls '$cds'/exec-[0-9]*.jsa >/dev/null && ! ls '$cds'/.exec* 2>/dev/null"
run exec build
check "second exec: maps the archive, writes none" \
  bash -c "grep -q -- '-XX:SharedArchiveFile=$cds/exec-' '$FAKE_LOG' && ! grep -q ArchiveClassesAtExit '$FAKE_LOG'"

run --version
check "--version has an archive of its own" bash -c "ls '$cds'/cli-[0-9]*.jsa >/dev/null"

rc=0
FAKE_EXIT=3 run list || rc=$?
check "the command's exit code is the launcher's, also on a first run" test "$rc" -eq 3

echo jar2 >"$work/lib/clever-runner.jar"
touch -d '2 days ago' "$work/lib/clever-runner.jar"
run exec build
check "another jar: a new archive replaces the old one" \
  bash -c "grep -q ArchiveClassesAtExit '$FAKE_LOG' && [[ \$(ls '$cds'/exec-*.jsa | wc -l) -eq 1 ]]"

rm -f "$cds"/list-*.jsa
FAKE_BAD_ARCHIVE=1 run list
check "an archive no JVM can map is not kept" bash -c "! ls '$cds'/list-* '$cds'/.list* 2>/dev/null"

CLEVER_RUNNER_CDS=off run status
check "CLEVER_RUNNER_CDS=off: no archive flag" bash -c "! grep -q -e SharedArchiveFile -e ArchiveClassesAtExit '$FAKE_LOG'"

mkdir -p "$work/readonly" && chmod 0555 "$work/readonly"
if [[ ! -w $work/readonly ]]; then # root writes anywhere: this check needs another user
  CLEVER_RUNNER_CDS_DIR="$work/readonly/cds" run reap
  check "no writable directory: runs without an archive" \
    bash -c "grep -q -- '-jar $CLEVER_RUNNER_JAR reap' '$FAKE_LOG' && ! grep -q Archive '$FAKE_LOG'"
fi

JAVA_OPTS="-Xmx64m" CLEVER_RUNNER_OPTS="-Dx=1" run exec build
check "JAVA_OPTS and CLEVER_RUNNER_OPTS come after the launcher's flags" \
  grep -q -- "-XX:-UsePerfData .*-Xmx64m -Dx=1 -jar" "$FAKE_LOG"

# a PATH with the tools the launcher needs but no java
mkdir -p "$work/nojava"
for tool in bash env readlink dirname; do ln -s "$(command -v "$tool")" "$work/nojava/$tool"; done
rc=0
JAVA_HOME="$work/none" PATH="$work/nojava" "$launcher" --version 2>"$work/err" || rc=$?
check "no java: exit 1 saying what to install" bash -c "[[ $rc -eq 1 ]] && grep -q 'install a Java 17 runtime' '$work/err'"

echo "launcher-test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
