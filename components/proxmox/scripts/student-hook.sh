#!/usr/bin/env bash
# Proxmox hook script of the student containers, uploaded as a snippet and
# attached to each of them (`hookscript:`). Proxmox calls it ON THE NODE as
#   student-hook.sh <vmid> <phase>
# It does only what needs the node: read the owner (the login whose home is
# bind-mounted, mp0), the MAC and the addressing from the container's
# configuration, read the join password from a root-only file, push the first
# boot script (student-firstboot.sh, its own snippet) into the container and
# run it there. That script is idempotent and runs on EVERY start: a run cut
# short (the provider reboots a container with idmaps right after its first
# start) is finished by the next one, and a run with nothing to do changes
# nothing. Nothing secret is in this file.
set -euo pipefail

# --- settings (rendered by components/proxmox/hook_script.py) ---
FIRSTBOOT_VOLUME="local:snippets/campus-student-firstboot.sh"
PACKAGES=()
REALM=""
JOIN_USER="pve-join"
JOIN_PASSWORD_FILE="/root/.campus/realm-join.password"
# --- end of settings ---

# Overridable so tests can run the script against a temporary tree.
PVE_LXC_DIR="${PVE_LXC_DIR:-/etc/pve/lxc}"
PCT="${PCT:-pct}"
PVESM="${PVESM:-pvesm}"
LOG_DIR="${LOG_DIR:-/var/log/campus}"
LOCK_DIR="${LOCK_DIR:-/run/lock}"
ATTEMPTS="${ATTEMPTS:-5}"
RETRY_SECONDS="${RETRY_SECONDS:-20}"
TARGET=/usr/local/sbin/campus-firstboot

usage() {
    echo "usage: $0 <vmid> <pre-start|post-start|pre-stop|post-stop>" >&2
    exit 2
}

owner_of() {
    local path
    path="$(sed -n 's/^mp0: .*mp=\([^,]*\).*$/\1/p' "$1" | head -n 1)"
    [[ -n "$path" ]] || return 1
    basename "$path"
}

net0() {
    sed -n 's/^net0: //p' "$1" | tr ',' '\n' | sed -n "s/^$2=//p" | head -n 1
}

running() {
    [[ "$("$PCT" status "$VMID" 2>/dev/null)" == "status: running" ]]
}

first_boot() {
    local conf="$PVE_LXC_DIR/$VMID.conf" owner script package attempt
    local -a args
    # Two hooks for one container (a restart during a run) must not overlap:
    # the one holding the lock keeps retrying until the container is back.
    mkdir -p "$LOCK_DIR"
    exec 8>"$LOCK_DIR/campus-firstboot-$VMID.lock"
    if ! flock -n 8; then
        echo "hook: a first boot of $VMID is already running; it will finish the work"
        return 0
    fi
    if ! owner="$(owner_of "$conf")"; then
        echo "hook: $conf has no home bind mount (mp0); cannot tell the owning student" >&2
        return 1
    fi
    args=(--login "$owner")
    if [[ "$(net0 "$conf" ip)" == dhcp ]]; then
        args+=(--dhcp-interface "$(net0 "$conf" name)" --mac "$(net0 "$conf" hwaddr)")
    fi
    for package in "${PACKAGES[@]}"; do
        args+=(--package "$package")
    done
    local password=/dev/null
    if [[ -n "$REALM" ]]; then
        if [[ ! -r "$JOIN_PASSWORD_FILE" ]]; then
            echo "hook: cannot read $JOIN_PASSWORD_FILE; the container stays outside $REALM" >&2
            return 1
        fi
        args+=(--realm "$REALM" --join-user "$JOIN_USER")
        password="$JOIN_PASSWORD_FILE"
    fi
    script="$("$PVESM" path "$FIRSTBOOT_VOLUME")"
    for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
        if running &&
            "$PCT" push "$VMID" "$script" "$TARGET" --perms 0700 &&
            "$PCT" exec "$VMID" -- "$TARGET" "${args[@]}" <"$password"; then
            return 0
        fi
        echo "hook: first boot of $VMID attempt $attempt/$ATTEMPTS failed; retrying in ${RETRY_SECONDS}s" >&2
        sleep "$RETRY_SECONDS"
    done
    echo "hook: first boot of $VMID failed $ATTEMPTS times; see the output above" >&2
    return 1
}

[[ $# -eq 2 ]] || usage
VMID="$1"
PHASE="$2"
[[ "$VMID" =~ ^[0-9]+$ ]] || usage

case "$PHASE" in
    post-start)
        if [[ "${HOOK_FOREGROUND:-0}" == 1 ]]; then
            first_boot
        else
            # Proxmox waits for the hook: run the first boot detached, logged per container.
            mkdir -p "$LOG_DIR"
            setsid "$0" "$VMID" first-boot >>"$LOG_DIR/first-boot-$VMID.log" 2>&1 </dev/null &
        fi
        ;;
    first-boot) first_boot ;;
    pre-start | pre-stop | post-stop) ;;
    *) usage ;;
esac
