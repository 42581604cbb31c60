#!/usr/bin/env bash
# Install the pinned Pulumi CLI (PULUMI_VERSION) into PULUMI_INSTALL_DIR (default
# ~/.pulumi/bin), after checking the downloaded archive against the SHA-256 recorded
# in scripts/ci/pulumi-checksums.txt. A version with no recorded checksum is refused
# (exit 2), an archive whose digest differs is refused and nothing is installed
# (exit 1). On GitHub the directory is added to GITHUB_PATH, so later steps (and
# pulumi/actions, which reuses a CLI of the requested version) run this binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${PULUMI_VERSION:?set PULUMI_VERSION, e.g. 3.253.0}
dest=${PULUMI_INSTALL_DIR:-$HOME/.pulumi/bin}
base_url=${PULUMI_DOWNLOAD_URL:-https://get.pulumi.com/releases/sdk}
checksums=${PULUMI_CHECKSUMS:-$here/pulumi-checksums.txt}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  *)
    echo "error: no pinned Pulumi CLI for $(uname -s)-$(uname -m); CI runners are Linux x64 or arm64" >&2
    exit 2
    ;;
esac
archive="pulumi-v$version-$platform.tar.gz"
expected=$(awk -v name="$archive" '$1 !~ /^#/ && $2 == name { print $1 }' "$checksums")
if [[ ! $expected =~ ^[0-9a-f]{64}$ ]]; then
  echo "error: no recorded SHA-256 for $archive in $checksums; add the line from the release's" \
    "pulumi-$version-checksums.txt before using this version" >&2
  exit 2
fi

publish_path() {
  if [[ -n "${GITHUB_PATH:-}" ]]; then
    echo "$dest" >> "$GITHUB_PATH"
  fi
}

# A runner that keeps its home directory between jobs already has the binary: it was
# verified when it was installed here, so only the version is compared.
if [[ -x "$dest/pulumi" && "$("$dest/pulumi" version 2> /dev/null || true)" == "v$version" ]]; then
  echo "Pulumi CLI v$version already installed in $dest"
  publish_path
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/$archive" "$base_url/$archive"
actual=$(sha256sum "$work/$archive" | cut -d ' ' -f 1)
if [[ "$actual" != "$expected" ]]; then
  echo "error: $archive has SHA-256 $actual, but $checksums records $expected; refusing to install it" >&2
  exit 1
fi
tar -xzf "$work/$archive" -C "$work"
mkdir -p "$dest"
# The archive holds pulumi/pulumi and its language hosts (pulumi/pulumi-language-*).
cp -f "$work"/pulumi/* "$dest/"
"$dest/pulumi" version
publish_path
