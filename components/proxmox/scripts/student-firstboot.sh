#!/usr/bin/env bash
# First boot of a student container, run INSIDE the container as root.
#
# The host hook (student-hook.sh) pushes this file into the container and runs
# it on every start; `make converge` runs this same file in a Debian 12
# container joined to a real Samba AD domain. Every step looks at the system's
# actual state and acts only when it differs from the wanted one, then records
# its completion under $STATE_DIR: a second run changes nothing and says so
# ("campus-firstboot: 0 changed").
#
#   campus-firstboot --login LOGIN [--realm REALM --join-user USER]
#                    [--dhcp-interface IFACE --mac MAC] [--package NAME]...
#
# The join password is read from stdin, and only when a join is needed.
set -euo pipefail

STATE_DIR="${CAMPUS_STATE_DIR:-/var/lib/campus/firstboot}"
LOCK_FILE="${CAMPUS_LOCK_FILE:-/run/lock/campus-firstboot.lock}"
WAIT_SECONDS="${CAMPUS_WAIT_SECONDS:-300}"
REALMD_CONF=/etc/realmd.conf
SSSD_CONF=/etc/sssd/sssd.conf
DHCLIENT_CONF=/etc/dhcp/dhclient.conf
# What a joined container needs besides the fleet's extra packages. realmd
# checks its own list (sssd, sssd-tools, libnss-sss, libpam-sss, adcli) through
# PackageKit, which must be installed even when everything else is.
BASE_PACKAGES=(realmd sssd sssd-ad sssd-tools adcli libnss-sss libpam-sss packagekit isc-dhcp-client)

LOGIN=""
REALM=""
JOIN_USER=""
DHCP_INTERFACE=""
MAC=""
EXTRA_PACKAGES=()
CHANGED=()

usage() {
    echo "usage: $0 --login LOGIN [--realm REALM --join-user USER] [--dhcp-interface IFACE --mac MAC] [--package NAME]..." >&2
    exit 2
}

log() {
    echo "campus-firstboot: $*"
}

die() {
    echo "campus-firstboot: error: $*" >&2
    exit 1
}

# A step that changed the system: counted in the summary and recorded.
changed() {
    CHANGED+=("$1")
    record "$1"
}

# Records when a step first reached its wanted state; an unchanged step keeps
# its record as it is, so a run that changes nothing writes nothing.
record() {
    [[ -e "$STATE_DIR/$1.done" && " ${CHANGED[*]} " != *" $1 "* ]] && return 0
    mkdir -p "$STATE_DIR"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$STATE_DIR/$1.done"
}

apt() {
    # Waits for another apt/dpkg (unattended-upgrades) instead of failing on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 \
        -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef "$@"
}

wait_for_system() {
    # post-start fires before the container's services are up, even before
    # systemd answers: ask again until it has finished booting ("degraded"
    # still means booted).
    local state deadline=$((SECONDS + WAIT_SECONDS))
    while :; do
        state="$(timeout 60 systemctl is-system-running --wait 2>/dev/null || true)"
        case "$state" in
            running | degraded) return 0 ;;
        esac
        ((SECONDS < deadline)) || die "systemd did not finish booting within ${WAIT_SECONDS}s (state: ${state:-no answer})"
        sleep 2
    done
}

wait_for_name() {
    local name="$1" deadline=$((SECONDS + WAIT_SECONDS))
    until getent ahosts "$name" >/dev/null; do
        ((SECONDS < deadline)) || die "cannot resolve $name after ${WAIT_SECONDS}s; is DNS up?"
        sleep 2
    done
}

step_dpkg() {
    # A reboot in the middle of an install (the provider restarts containers
    # with idmaps right after their first start) leaves dpkg half-configured.
    if [[ -n "$(dpkg --audit 2>/dev/null)" ]]; then
        DEBIAN_FRONTEND=noninteractive dpkg --configure -a --force-confold
        changed dpkg-repair
    fi
}

missing_packages() {
    local package status
    for package in "$@"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
        [[ "$status" == installed ]] || printf '%s\n' "$package"
    done
}

step_packages() {
    local missing attempt
    mapfile -t missing < <(missing_packages "${BASE_PACKAGES[@]}" "${EXTRA_PACKAGES[@]}")
    ((${#missing[@]} > 0)) || {
        record packages
        return 0
    }
    log "installing ${missing[*]}"
    # apt-get update exits 0 when fetches fail; --error-on=any makes it say so.
    for attempt in 1 2 3 4 5; do
        apt update --error-on=any && break
        ((attempt < 5)) || die "apt-get update kept failing"
        sleep $((attempt * 10))
    done
    apt install --no-install-recommends "${missing[@]}"
    changed packages
}

realmd_conf() {
    # realmd's defaults do not fit the lab: fully-qualified names make
    # `realm permit <login>` fail, automatic id mapping ignores the directory's
    # uidNumber/gidNumber (the range the containers' idmap maps), and the
    # default home is /home/<user>@<domain>, not the bind-mounted /home/<login>.
    cat <<EOF
# Written by campus-firstboot; read by realmd when it joins.
[users]
default-home = /home/%U
default-shell = /bin/bash

[active-directory]
default-client = sssd

[${REALM,,}]
fully-qualified-names = no
automatic-id-mapping = no
EOF
}

step_realmd_conf() {
    if [[ -f "$REALMD_CONF" ]] && cmp -s "$REALMD_CONF" <(realmd_conf); then
        record realmd-conf
        return 0
    fi
    realmd_conf >"$REALMD_CONF.new"
    chmod 0644 "$REALMD_CONF.new"
    mv "$REALMD_CONF.new" "$REALMD_CONF"
    changed realmd-conf
}

joined() {
    realm list --name-only 2>/dev/null | grep -qixF "$REALM"
}

# What realmd.conf makes realmd write into sssd.conf. A container joined
# before these settings (the old hook) has other values: it leaves and joins
# again.
sssd_as_wanted() {
    [[ -r "$SSSD_CONF" ]] || return 1
    grep -Eqi '^\s*use_fully_qualified_names\s*=\s*false\s*$' "$SSSD_CONF" &&
        grep -Eqi '^\s*ldap_id_mapping\s*=\s*false\s*$' "$SSSD_CONF" &&
        grep -Eq '^\s*fallback_homedir\s*=\s*/home/%u\s*$' "$SSSD_CONF"
}

step_join() {
    if joined && sssd_as_wanted; then
        record join
        return 0
    fi
    [[ -n "$JOIN_USER" ]] || die "--join-user is required to join $REALM"
    local password
    IFS= read -r password || true
    [[ -n "$password" ]] || die "no join password on stdin; cannot join $REALM"
    if joined; then
        log "joined with other settings than realmd.conf's: leaving $REALM to join again"
        realm leave "$REALM"
    fi
    wait_for_name "$REALM"
    printf '%s\n' "$password" | realm join --user="$JOIN_USER" "$REALM"
    joined || die "realm join returned but $REALM is not listed as joined"
    changed join
}

permitted() {
    # realm list shows the policy and the permitted logins of the realm.
    local listing
    listing="$(realm list "$REALM" 2>/dev/null)" || return 1
    grep -Eq '^\s*login-policy: allow-permitted-logins\s*$' <<<"$listing" &&
        [[ "$(sed -n 's/^\s*permitted-logins: //p' <<<"$listing" | tr -d ' ')" == "$LOGIN" ]]
}

step_access() {
    if permitted; then
        record access
        return 0
    fi
    # deny --all resets the list: deny first, then permit.
    realm deny --all
    realm permit "$LOGIN"
    permitted || die "realm permit $LOGIN did not give the expected login policy"
    changed access
}

# The owner must resolve through sssd before the run counts as complete. Right
# after a join sssd may have gone offline on a slow first LDAP answer (or a
# new computer account not yet replicated); SIGUSR2 makes it go online again.
wait_for_owner() {
    local deadline=$((SECONDS + WAIT_SECONDS))
    until getent passwd "$LOGIN" >/dev/null; do
        ((SECONDS < deadline)) || die "$LOGIN does not resolve through sssd after ${WAIT_SECONDS}s; is the login in $REALM?"
        systemctl kill --signal=SIGUSR2 sssd.service 2>/dev/null || true
        sleep 3
    done
}

client_identifier() {
    # Hardware type 1 then the MAC: the identifier the school's DHCP server
    # keys its reservations on (lab:windows reserves by MAC). ifupdown starts
    # dhclient with -i, which sends a DUID-LLT instead: a timestamped id kept
    # only in the lease file, inherited by clones of a template that had one,
    # which a MAC reservation does not match. Written into dhclient.conf, this
    # one is sent by every dhclient, ifupdown's at each boot included.
    printf '01:%s\n' "${1,,}"
}

dhclient_conf() {
    cat <<EOF
# Written by campus-firstboot: the DHCP server keeps this container's lease and
# DNS name on every boot.
send host-name = gethostname();
request subnet-mask, broadcast-address, time-offset, routers,
        domain-name, domain-name-servers, domain-search, host-name,
        interface-mtu, rfc3442-classless-static-routes;
interface "$DHCP_INTERFACE" {
    send dhcp-client-identifier $(client_identifier "$MAC");
}
EOF
}

step_dhcp() {
    if [[ -f "$DHCLIENT_CONF" ]] && cmp -s "$DHCLIENT_CONF" <(dhclient_conf); then
        record dhcp
        return 0
    fi
    mkdir -p "$(dirname "$DHCLIENT_CONF")"
    dhclient_conf >"$DHCLIENT_CONF.new"
    mv "$DHCLIENT_CONF.new" "$DHCLIENT_CONF"
    # Renew now through ifupdown, exactly as at boot, so the server sees the
    # identifier it will see from now on.
    if command -v ifdown >/dev/null && ifquery --state "$DHCP_INTERFACE" >/dev/null 2>&1; then
        ifdown --force "$DHCP_INTERFACE" || true
        ifup "$DHCP_INTERFACE" || die "ifup $DHCP_INTERFACE failed after writing $DHCLIENT_CONF"
    fi
    changed dhcp
}

while (($# > 0)); do
    case "$1" in
        --login) LOGIN="${2:-}" ;;
        --realm) REALM="${2:-}" ;;
        --join-user) JOIN_USER="${2:-}" ;;
        --dhcp-interface) DHCP_INTERFACE="${2:-}" ;;
        --mac) MAC="${2:-}" ;;
        --package) EXTRA_PACKAGES+=("${2:-}") ;;
        *) usage ;;
    esac
    (($# >= 2)) || usage
    shift 2
done
[[ "$LOGIN" =~ ^[a-z_][a-z0-9._-]*$ ]] || die "--login '$LOGIN' is not a login name"
[[ -z "$DHCP_INTERFACE" || "$MAC" =~ ^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$ ]] ||
    die "--dhcp-interface needs --mac with a MAC address (got '$MAC')"
[[ "$(id -u)" -eq 0 ]] || die "must run as root"

wait_for_system
# One run at a time: the host hook may fire again while a run is in progress.
exec 9>"$LOCK_FILE"
flock -w "$WAIT_SECONDS" 9 || die "another first boot holds $LOCK_FILE"

step_dpkg
step_packages
if [[ -n "$REALM" ]]; then
    step_realmd_conf
    step_join
    step_access
    wait_for_owner
fi
if [[ -n "$DHCP_INTERFACE" ]]; then
    step_dhcp
fi
record complete
log "${#CHANGED[@]} changed${CHANGED[*]:+ (${CHANGED[*]})}"
