# Sourced by the CI scripts: the output of the tools they call (apt, npm, pip) goes to a log
# instead of the terminal, and is shown (its end, and where the rest is) only when a tool fails.
#   AGENTVIEW_CI_LOG   the log to append to (.ci/test sets one per step); without it, a
#                      temporary file, removed when the script succeeds
# ci_log_open NAME      before the first ci_quietly (NAME prefixes the script's messages)
# ci_quietly WHAT CMD…  run CMD with its output in the log; on failure say WHAT failed and exit
# ci_log_close          at the end of a successful script

ci_log_open() {
    CI_LOG_NAME=$1
    CI_LOG=${AGENTVIEW_CI_LOG:-}
    CI_LOG_OWN=""
    if [[ -z $CI_LOG ]]; then
        CI_LOG=$(mktemp "${TMPDIR:-/tmp}/agentview-$CI_LOG_NAME.XXXXXX.log")
        CI_LOG_OWN=$CI_LOG
    fi
}

ci_quietly() {
    local what=$1 status=0
    shift
    printf '\n$ %s\n' "$*" >>"$CI_LOG"
    "$@" >>"$CI_LOG" 2>&1 </dev/null || status=$?
    if [[ $status -ne 0 ]]; then
        echo "$CI_LOG_NAME: $what failed (exit $status); the end of its output (all of it in $CI_LOG):" >&2
        tail -n 25 "$CI_LOG" >&2
        exit 1
    fi
}

ci_log_close() {
    if [[ -n ${CI_LOG_OWN:-} ]]; then
        rm -f "$CI_LOG_OWN"
    fi
}
