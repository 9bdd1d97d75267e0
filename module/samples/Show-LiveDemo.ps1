<#
.SYNOPSIS
    Connects to a vCenter (or the simulator), collects its inventory and runs the analyses, as
    `build.ps1 LiveDemo` does against the vCenter simulator.
.DESCRIPTION
    Connect-VirtServer, Get-VirtInventory (timed), a snapshot written and read back, host control
    drift (peer and pci-dss), migration exposure, PCI scope and separation, then Disconnect-VirtServer.
    Works against any vCenter you can log in to: it only reads.
.EXAMPLE
    ./Show-LiveDemo.ps1 -Server vcsa-01.example.com -Credential (Get-Credential)
#>
param(
    [Parameter(Mandatory)] [string] $Server,
    [Parameter(Mandatory)] [pscredential] $Credential,
    # The certificate thumbprint to trust (the simulator prints it); without it the certificate must chain to a trusted CA.
    [string] $CertificateThumbprint,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../VirtCompliance.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$width = 120

function Show-Section([string] $Title) {
    Write-Host ''
    Write-Host ('=' * $width)
    Write-Host $Title
    Write-Host ('=' * $width)
}

Show-Section "Connect-VirtServer $Server"
$connect = @{ Server = $Server; Credential = $Credential }
if ($CertificateThumbprint) { $connect.CertificateThumbprint = $CertificateThumbprint }
Connect-VirtServer @connect | Out-String -Width $width | Write-Host

Show-Section 'Get-VirtInventory'
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$inv = Get-VirtInventory
Write-Host "Collected in $([int]$clock.Elapsed.TotalMilliseconds) ms"
$inv | Out-String -Width $width | Write-Host
$snapshot = Join-Path ([System.IO.Path]::GetTempPath()) "virtcompliance-live-$PID.json"
try {
    $inv | Export-VirtInventory -Path $snapshot | Out-Null
    Write-Host "Snapshot $snapshot, SHA-256 $((Import-VirtInventory -Path $snapshot).Sha256)"
}
finally { Remove-Item $snapshot -ErrorAction SilentlyContinue }

Show-Section 'Get-HostControlDrift -Peer   (hosts that differ from their cluster majority)'
Get-HostControlDrift -Inventory $inv -Peer -WarningAction SilentlyContinue | Out-String -Width $width | Write-Host

Show-Section 'Get-HostControlDrift -Baseline pci-dss | Group-Object ControlId   (cluster-wide gaps against the PCI DSS baseline)'
Get-HostControlDrift -Inventory $inv -Baseline pci-dss -WarningAction SilentlyContinue | Group-Object ControlId |
    Sort-Object Count -Descending | Select-Object Count, Name | Out-String -Width $width | Write-Host

Show-Section 'Get-VmMigrationExposure -Peer | Select-Object -First 10'
Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue | Select-Object -First 10 | Out-String -Width $width | Write-Host

Show-Section 'Get-PciScope -ObjectType Vm | Group-Object Scope   (from the PCI-Scope tag category and custom attribute)'
Get-PciScope -Inventory $inv -ObjectType Vm -WarningAction SilentlyContinue | Group-Object Scope | Select-Object Count, Name | Out-String -Width $width | Write-Host

Show-Section 'Test-PciSeparation -Summary'
Test-PciSeparation -Inventory $inv -Summary -WarningAction SilentlyContinue | Out-String -Width $width | Write-Host

Show-Section 'Disconnect-VirtServer'
Disconnect-VirtServer -Confirm:$false -PassThru | Out-String -Width $width | Write-Host
