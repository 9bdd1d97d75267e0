<#
.SYNOPSIS
    Runs VirtCompliance on the bundled sample lab, as `build.ps1 Demo` does.
.DESCRIPTION
    Reads module/samples/pci-lab.json and shows what an administrator would see: the inventory,
    hosts that drifted from their cluster (peer mode), the same hosts against the pci-dss
    baseline, and the VMs that vMotion/DRS could move onto a weaker host.
#>
param(
    # The module manifest to import; by default the module this script ships in.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../VirtCompliance.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$samples = $PSScriptRoot
$width = 120

function Show-Section([string] $Title) {
    Write-Host ''
    Write-Host ('=' * $width)
    Write-Host $Title
    Write-Host ('=' * $width)
}

Show-Section 'Import-VirtInventory ./pci-lab.json'
$inv = Import-VirtInventory -Path (Join-Path $samples 'pci-lab.json')
$inv | Out-String -Width $width | Write-Host

Show-Section 'Get-HostControlDrift -Peer   (hosts that differ from their cluster majority)'
Get-HostControlDrift -Inventory $inv -Peer | Out-String -Width $width | Write-Host

Show-Section 'Get-HostControlDrift -Baseline pci-dss   (hosts against the PCI DSS baseline)'
Get-HostControlDrift -Inventory $inv -Baseline pci-dss | Out-String -Width $width | Write-Host

Show-Section 'Get-HostControlDrift -Baseline ./pci-lab.baseline.json   (site baseline: IDS agent required)'
Get-HostControlDrift -Inventory $inv -Baseline (Join-Path $samples 'pci-lab.baseline.json') | Out-String -Width $width | Write-Host

Show-Section 'Get-VmMigrationExposure -Peer   (VMs that could move onto a weaker host)'
Get-VmMigrationExposure -Inventory $inv -Peer | Out-String -Width $width | Write-Host

Show-Section 'One finding in full (Format-List)'
Get-HostControlDrift -Inventory $inv -Peer | Select-Object -First 1 | Format-List | Out-String -Width $width | Write-Host
