# shellcheck shell=sh
# Sourced by tests/integration/lib.sh and bench/common.sh: is an env.sh one that tests/env/up wrote for
# this checkout? A test must never run against servers someone else brought up for another clone.

# env_for_checkout ENV_SH SRCDIR: succeeds when ENV_SH exists, was written by tests/env/up of the
# checkout SRCDIR (its ROWCAST_TEST_ENV_CHECKOUT is SRCDIR with symlinks resolved) and the state folder
# it names still holds up's marker. Otherwise prints why not, in one line, and fails. An env.sh without
# the checkout line (an older up's, or one copied over) is not trusted: rerunning tests/env/up
# rewrites it in about a second when the servers already run. Call it as why=$(env_for_checkout ...):
# its efc_ variables are not local.
env_for_checkout() {
    efc_env_sh=$1
    if [ ! -f "$efc_env_sh" ]; then
        echo "no test environment: $efc_env_sh is missing (run tests/env/up)"
        return 1
    fi
    efc_here=$(cd "$2" && pwd -P) || { echo "cannot resolve the source folder $2"; return 1; }
    # In a subshell, and without what the caller's shell may have exported from another env.sh.
    efc_made_for=$(unset ROWCAST_TEST_ENV_CHECKOUT; . "$efc_env_sh" >/dev/null 2>&1; printf %s "${ROWCAST_TEST_ENV_CHECKOUT:-}")
    efc_state_dir=$(unset ROWCAST_TEST_ENV_DIR; . "$efc_env_sh" >/dev/null 2>&1; printf %s "${ROWCAST_TEST_ENV_DIR:-}")
    if [ -z "$efc_made_for" ]; then
        echo "$efc_env_sh does not say which checkout it was written for (an older tests/env/up's, or copied): run tests/env/up from $efc_here (quick when the servers already run)"
        return 1
    fi
    if [ "$efc_made_for" != "$efc_here" ]; then
        echo "$efc_env_sh was written by tests/env/up for the checkout $efc_made_for, not for $efc_here: run tests/env/up from this checkout"
        return 1
    fi
    # tests/env/lib.sh's STATE_MARKER: down deletes the folder, and with it the marker.
    if [ -z "$efc_state_dir" ] || [ ! -e "$efc_state_dir/.rowcast-env" ]; then
        echo "the environment $efc_env_sh describes is gone (no state folder ${efc_state_dir:-named}): run tests/env/up"
        return 1
    fi
    return 0
}
