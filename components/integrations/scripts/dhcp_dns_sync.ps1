# Sync one fleet's DHCP reservations and DNS records on the school's Windows server.
#
# Runs on the server itself (OpenSSH, Windows PowerShell 5.1, RSAT modules DhcpServer and
# DnsServer), started by the campus program with the desired state on stdin. Idempotent: what
# matches is left alone, what differs is changed, what the fleet owns and no longer wants is
# removed. Ownership:
# - a reservation is the fleet's when its Description starts with "<owner>:";
# - a DNS name is the fleet's when it carries a TXT record "campus-owner=<owner>" (the same
#   registry idea as external-dns's TXT records): A and PTR records are only ever added, changed
#   or removed under names the fleet owns, and a name someone else holds is reported, not taken.
# Prints a JSON summary; exits 1 when a conflict (a name or address held by someone else) stopped
# an entry, after doing everything else.
param([Parameter(Mandatory = $true)] $Desired)

$ErrorActionPreference = 'Stop'
Import-Module DhcpServer
Import-Module DnsServer

$owner = [string]$Desired.owner
$marker = "campus-owner=$owner"
$ttl = [TimeSpan]::FromSeconds([int]$Desired.ttlSeconds)
$summary = [ordered]@{
    reservations = [ordered]@{ created = @(); updated = @(); deleted = @(); unchanged = @() }
    records      = [ordered]@{ created = @(); updated = @(); deleted = @(); unchanged = @() }
    conflicts    = @()
}

# --- DHCP reservations ---------------------------------------------------------------------

$owned = @{}
foreach ($scope in Get-DhcpServerv4Scope) {
    foreach ($reservation in Get-DhcpServerv4Reservation -ScopeId $scope.ScopeId) {
        if ([string]$reservation.Description -like "${owner}:*") {
            $owned[$reservation.Description.Substring($owner.Length + 1)] = $reservation
        }
    }
}

foreach ($want in $Desired.reservations) {
    $have = $owned[$want.key]
    $owned.Remove($want.key)
    $taken = Get-DhcpServerv4Reservation -ScopeId $want.scopeId -ErrorAction SilentlyContinue |
        Where-Object { $_.IPAddress.IPAddressToString -eq $want.address -and
                       [string]$_.Description -ne [string]$want.description }
    if ($taken) {
        $summary.conflicts += "reservation $($want.key): $($want.address) is reserved for $($taken.ClientId) ($($taken.Description))"
        continue
    }
    if ($null -eq $have) {
        Add-DhcpServerv4Reservation -ScopeId $want.scopeId -IPAddress $want.address -ClientId $want.clientId `
            -Name $want.name -Description $want.description -Type Dhcp
        $summary.reservations.created += $want.key
    }
    elseif ($have.IPAddress.IPAddressToString -ne $want.address -or
            $have.ScopeId.IPAddressToString -ne $want.scopeId) {
        # The address is the reservation's identity: a new one means remove, then add.
        Remove-DhcpServerv4Reservation -ScopeId $have.ScopeId -ClientId $have.ClientId
        Add-DhcpServerv4Reservation -ScopeId $want.scopeId -IPAddress $want.address -ClientId $want.clientId `
            -Name $want.name -Description $want.description -Type Dhcp
        $summary.reservations.updated += $want.key
    }
    elseif ($have.ClientId -ne $want.clientId -or $have.Name -ne $want.name) {
        Set-DhcpServerv4Reservation -IPAddress $want.address -ClientId $want.clientId -Name $want.name `
            -Description $want.description
        $summary.reservations.updated += $want.key
    }
    else {
        $summary.reservations.unchanged += $want.key
    }
}

foreach ($key in @($owned.Keys)) {
    $gone = $owned[$key]
    Remove-DhcpServerv4Reservation -ScopeId $gone.ScopeId -ClientId $gone.ClientId
    $summary.reservations.deleted += $key
}

# --- DNS records -----------------------------------------------------------------------------

$reverseZones = @(Get-DnsServerZone | Where-Object { $_.IsReverseLookupZone -and -not $_.IsAutoCreated })

function Get-PtrTarget([string]$Address) {
    # The reverse zone holding the address, and the PTR's name relative to it.
    $octets = $Address.Split('.')
    [array]::Reverse($octets)
    $full = ($octets -join '.') + '.in-addr.arpa'
    $zone = $reverseZones | Where-Object { $full.EndsWith('.' + $_.ZoneName) } |
        Sort-Object { $_.ZoneName.Length } -Descending | Select-Object -First 1
    if ($null -eq $zone) { return $null }
    return @{ Zone = $zone.ZoneName; Name = $full.Substring(0, $full.Length - $zone.ZoneName.Length - 1) }
}

function Get-Fqdn([string]$Zone, [string]$Name) {
    if ($Name -eq '@') { return "$Zone." }
    return "$Name.$Zone."
}

function Remove-Records([string]$Zone, [string]$Name) {
    foreach ($a in @(Get-DnsServerResourceRecord -ZoneName $Zone -Name $Name -RRType A -ErrorAction SilentlyContinue)) {
        $ptr = Get-PtrTarget $a.RecordData.IPv4Address.IPAddressToString
        if ($ptr) {
            Get-DnsServerResourceRecord -ZoneName $ptr.Zone -Name $ptr.Name -RRType Ptr -ErrorAction SilentlyContinue |
                Where-Object { $_.RecordData.PtrDomainName -eq (Get-Fqdn $Zone $Name) } |
                Remove-DnsServerResourceRecord -ZoneName $ptr.Zone -Force
        }
        $a | Remove-DnsServerResourceRecord -ZoneName $Zone -Force
    }
}

function Test-Owned([string]$Zone, [string]$Name) {
    $txt = Get-DnsServerResourceRecord -ZoneName $Zone -Name $Name -RRType Txt -ErrorAction SilentlyContinue |
        Where-Object { $_.RecordData.DescriptiveText -eq $marker }
    return [bool]$txt
}

$ownedNames = @{}
foreach ($zone in Get-DnsServerZone | Where-Object { -not $_.IsReverseLookupZone -and -not $_.IsAutoCreated }) {
    foreach ($txt in Get-DnsServerResourceRecord -ZoneName $zone.ZoneName -RRType Txt -ErrorAction SilentlyContinue) {
        if ($txt.RecordData.DescriptiveText -eq $marker) {
            $ownedNames["$($zone.ZoneName)|$($txt.HostName)"] = $true
        }
    }
}

foreach ($want in $Desired.records) {
    $id = "$($want.zone)|$($want.name)"
    $ownedNames.Remove($id)
    $current = @(Get-DnsServerResourceRecord -ZoneName $want.zone -Name $want.name -RRType A -ErrorAction SilentlyContinue)
    if ($current.Count -gt 0 -and -not (Test-Owned $want.zone $want.name)) {
        $summary.conflicts += "record $($want.key): $($want.name) in $($want.zone) exists and is not owned by $owner"
        continue
    }
    $addresses = @($current | ForEach-Object { $_.RecordData.IPv4Address.IPAddressToString })
    if ($addresses.Count -eq 1 -and $addresses[0] -eq $want.address) {
        $summary.records.unchanged += $want.key
        continue
    }
    if ($current.Count -gt 0) {
        Remove-Records $want.zone $want.name
        $summary.records.updated += $want.key
    }
    else {
        if (-not (Test-Owned $want.zone $want.name)) {
            Add-DnsServerResourceRecord -ZoneName $want.zone -Name $want.name -Txt -DescriptiveText $marker -TimeToLive $ttl
        }
        $summary.records.created += $want.key
    }
    if ($want.ptr -and $null -ne (Get-PtrTarget $want.address)) {
        Add-DnsServerResourceRecordA -ZoneName $want.zone -Name $want.name -IPv4Address $want.address -TimeToLive $ttl -CreatePtr
    }
    else {
        Add-DnsServerResourceRecordA -ZoneName $want.zone -Name $want.name -IPv4Address $want.address -TimeToLive $ttl
    }
}

foreach ($id in @($ownedNames.Keys)) {
    $zone, $name = $id.Split('|', 2)
    Remove-Records $zone $name
    Get-DnsServerResourceRecord -ZoneName $zone -Name $name -RRType Txt -ErrorAction SilentlyContinue |
        Where-Object { $_.RecordData.DescriptiveText -eq $marker } |
        Remove-DnsServerResourceRecord -ZoneName $zone -Force
    $summary.records.deleted += $id
}

$summary | ConvertTo-Json -Depth 5 -Compress
if ($summary.conflicts.Count -gt 0) { exit 1 }
