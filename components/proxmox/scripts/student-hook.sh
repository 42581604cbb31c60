#!/usr/bin/env bash
# Proxmox hook script of the student containers, uploaded as a snippet and
# attached to each of them (`hookscript:`). Proxmox calls it as
#   student-hook.sh <vmid> <phase>
# On the first start of a container it updates the system, installs the extra
# packages, joins the directory domain, allows only the owning student to log
# in, and renews the DHCP lease with a DUID so the DHCP server registers the
# container's name. The owner is read from the container's configuration: the
# login whose home is bind-mounted (mp0). Nothing secret is in this file: the
# join password is read from a root-only file on the node.
set -euo pipefail

# --- settings (rendered by components/proxmox/hook_script.py) ---
PACKAGES=(isc-dhcp-client)
REALM=""
JOIN_USER="pve-join"
JOIN_PASSWORD_FILE="/root/.campus/realm-join.password"
# --- end of settings ---

# Overridable so tests can run the script against a temporary tree.
PVE_LXC_DIR="${PVE_LXC_DIR:-/etc/pve/lxc}"
PCT="${PCT:-pct}"
LOG_DIR="${LOG_DIR:-/var/log/campus}"
MARKER=/var/lib/campus/first-boot.done

usage() {
    echo "usage: $0 <vmid> <pre-start|post-start|pre-stop|post-stop>" >&2
    exit 2
}

in_ct() {
    "$PCT" exec "$VMID" -- "$@"
}

apt_ct() {
    in_ct env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Options::=--force-confold "$@"
}

owner_of() {
    local conf="$1" path
    path="$(sed -n 's/^mp0: .*mp=\([^,]*\).*$/\1/p' "$conf" | head -n 1)"
    [[ -n "$path" ]] || return 1
    basename "$path"
}

uses_dhcp() {
    grep -Eq '^net0: .*ip=dhcp' "$1"
}

first_boot() {
    local conf="$PVE_LXC_DIR/$VMID.conf" owner
    if in_ct test -e "$MARKER"; then
        return 0
    fi
    if ! owner="$(owner_of "$conf")"; then
        echo "hook: $conf has no home bind mount (mp0); cannot tell the owning student" >&2
        return 1
    fi
    apt_ct update
    apt_ct dist-upgrade
    if ((${#PACKAGES[@]} > 0)); then
        apt_ct install "${PACKAGES[@]}"
    fi
    if [[ -n "$REALM" ]]; then
        if [[ ! -r "$JOIN_PASSWORD_FILE" ]]; then
            echo "hook: cannot read $JOIN_PASSWORD_FILE; the container stays outside $REALM" >&2
            return 1
        fi
        in_ct realm join --user="$JOIN_USER" "$REALM" <"$JOIN_PASSWORD_FILE"
        in_ct realm deny --all
        in_ct realm permit "$owner"
    fi
    if uses_dhcp "$conf"; then
        # DUID-LL from the stable MAC: the DHCP server keeps the lease and the DNS name.
        in_ct sh -c 'printf "send host-name = gethostname();\n" > /etc/dhcp/dhclient.conf'
        in_ct dhclient -r eth0 || true
        in_ct dhclient -4 -i -D LL eth0
    fi
    in_ct mkdir -p "$(dirname "$MARKER")"
    in_ct touch "$MARKER"
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
            # Proxmox waits for the hook: run the long first boot detached, logged per container.
            mkdir -p "$LOG_DIR"
            setsid "$0" "$VMID" first-boot >>"$LOG_DIR/first-boot-$VMID.log" 2>&1 </dev/null &
        fi
        ;;
    first-boot) first_boot ;;
    pre-start | pre-stop | post-stop) ;;
    *) usage ;;
esac
