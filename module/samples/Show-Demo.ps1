<#
.SYNOPSIS
    Runs VirtCompliance on the bundled sample lab, as `build.ps1 Demo` does.
.DESCRIPTION
    Reads module/samples/pci-lab.json and shows what an administrator would see: the inventory,
    hosts that drifted from their cluster (peer mode), the same hosts against the pci-dss
    baseline, the VMs that vMotion/DRS could move onto a weaker host, the PCI scope of VMs, hosts
    and segments, and the separation of the cardholder data environment under both readings of
    PCI DSS 2.2.3 (Strict and HypervisorIsolation), and the plan of the per-VM firewall policy
    module/samples/pci-lab.policy.yaml (-WhatIf: a snapshot is planned, never changed). It ends by
    writing what a scheduled job would file for an assessor: an HTML report and an evidence bundle
    (snapshot, result sets, reports, manifest of SHA-256 hashes), then verifying the bundle.
#>
param(
    # The module manifest to import; by default the module this script ships in.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../VirtCompliance.psd1'),
    # Where the report and the evidence bundle go; replaced on every run.
    [string] $OutputPath = (Join-Path ([IO.Path]::GetTempPath()) 'virtcompliance-demo')
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

Show-Section 'Get-NetworkControlDrift   (portgroups against pci-dss: one result per distributed portgroup)'
Get-NetworkControlDrift -Inventory $inv | Out-String -Width $width | Write-Host

Show-Section 'Get-VmControlDrift -Baseline pci-dss -Vm pay-*   (the payment VMs own settings: console copy/paste, devices, encryption)'
Get-VmControlDrift -Inventory $inv -Baseline pci-dss -Vm pay-* | Out-String -Width $width | Write-Host

Show-Section 'Get-VCenterControlDrift -Baseline scg   (vCenter settings and clusters against the Security Configuration Guide)'
Get-VCenterControlDrift -Inventory $inv -Baseline scg | Out-String -Width $width | Write-Host

Show-Section 'Get-VmControlDrift -Peer   (VMs whose settings differ from the other VMs of their folder)'
Get-VmControlDrift -Inventory $inv -Peer | Where-Object Outcome -eq Fail | Out-String -Width $width | Write-Host

Show-Section 'Get-VmMigrationExposure -Peer   (VMs that could move onto a weaker host)'
Get-VmMigrationExposure -Inventory $inv -Peer | Out-String -Width $width | Write-Host

Show-Section 'Get-VmMigrationExposure -Peer -PciScope Cde   (only the CDE VMs, scope read as Test-PciSeparation reads it)'
Get-VmMigrationExposure -Inventory $inv -Peer -PciScope Cde | Out-String -Width $width | Write-Host

Show-Section 'What the server did not report is not evaluated   (the same lab collected without installed software)'
$noSoftware = [VirtCompliance.Model.Inventory]::new($inv.Source, $inv.CollectedAt, $inv.Collector, $inv.Datacenters, $inv.Clusters,
    [VirtCompliance.Model.Host[]]@($inv.Hosts | ForEach-Object { $_.WithNotReported('software', 'software not read (Get-VirtInventory -SkipSoftware)') }),
    $inv.Networks, $inv.DistributedSwitches, $inv.Datastores, $inv.Vms)
Get-HostControlDrift -Inventory $noSoftware -ControlId esx-9.vib-acceptance-level-supported -Cluster Payments | Out-String -Width $width | Write-Host

Show-Section 'One finding in full (Format-List)'
Get-HostControlDrift -Inventory $inv -Peer | Select-Object -First 1 | Format-List | Out-String -Width $width | Write-Host

Show-Section 'Get-PciScope -ObjectType Host,Segment   (scope of hosts and segments, and what decided it)'
Get-PciScope -Inventory $inv -ObjectType Host, Segment | Out-String -Width $width | Write-Host

Show-Section 'Get-PciScope -Scope Unknown -ScopeMap ./pci-lab.scope.json   (VMs whose scope nobody has recorded)'
Get-PciScope -Inventory $inv -ObjectType Vm -Scope Unknown -ScopeMap (Join-Path $samples 'pci-lab.scope.json') | Out-String -Width $width | Write-Host

Show-Section 'Test-PciSeparation -Interpretation Strict   (no CDE and out-of-scope VMs on one physical host)'
Test-PciSeparation -Inventory $inv -Interpretation Strict | Out-String -Width $width | Write-Host

Show-Section 'Test-PciSeparation -Interpretation HypervisorIsolation   (sharing accepted if network-separated and hardened)'
Test-PciSeparation -Inventory $inv -Interpretation HypervisorIsolation | Out-String -Width $width | Write-Host

Show-Section 'Test-PciSeparation -Summary, both readings'
@(Test-PciSeparation -Inventory $inv -Summary -Interpretation Strict) + @(Test-PciSeparation -Inventory $inv -Summary -Interpretation HypervisorIsolation) |
    Out-String -Width $width | Write-Host

Show-Section 'Why esx-pay-04 passes one reading and fails the other (Format-List)'
foreach ($reading in 'Strict', 'HypervisorIsolation') {
    Test-PciSeparation -Inventory $inv -Interpretation $reading -RuleId pci.mixed-scope-host |
        Where-Object Hosts -contains 'esx-pay-04.lab.local' | Format-List | Out-String -Width $width | Write-Host
}

Show-Section 'Get-PciSegmentationMatrix   (what each pair of scope classes shares: 11.4.5 evidence)'
Get-PciSegmentationMatrix -Inventory $inv | Out-String -Width $width | Write-Host

Show-Section 'Test-PciSeparation -Quiet   (what a runbook sees)'
Write-Host "Test-PciSeparation -Quiet returned: $(Test-PciSeparation -Inventory $inv -Quiet)"
Write-Host "With a mistyped tag category and attribute (nothing classified): $(Test-PciSeparation -Inventory $inv -ScopeTagCategory PCI-Scoep -ScopeAttribute PCI-Scoep -Quiet)"
Test-PciSeparation -Inventory $inv -ScopeTagCategory PCI-Scoep -ScopeAttribute PCI-Scoep -RuleId pci.no-cde-scope | Select-Object -ExpandProperty Message | Write-Host

Show-Section 'Invoke-VmFirewallPolicy -Policy ./pci-lab.policy.yaml -WhatIf   (per-VM firewall: the plan for the snapshot)'
$plan = Invoke-VmFirewallPolicy -Inventory $inv -Policy (Join-Path $samples 'pci-lab.policy.yaml') -WhatIf -WarningAction SilentlyContinue
$plan | Out-String -Width $width | Write-Host
$plan | Where-Object Vm -eq 'pay-db-01' | Format-List | Out-String -Width $width | Write-Host

$waivers = Join-Path $samples 'pci-lab.waivers.yaml'
Show-Section 'Get-ComplianceWaiver ./pci-lab.waivers.yaml -Inventory $inv   (accepted risks, judged as of the collection time)'
Get-ComplianceWaiver -Path $waivers -Inventory $inv | Out-String -Width $width | Write-Host

Show-Section 'Get-HostControlDrift -Waiver ./pci-lab.waivers.yaml   (waived results, and the one whose waiver has expired)'
Get-HostControlDrift -Inventory $inv -Baseline pci-dss -Waiver $waivers -WarningAction SilentlyContinue | Where-Object Waiver |
    Select-Object Host, ControlId, Outcome, @{ Name = 'Waiver'; Expression = { $_.Waiver.Text } } | Format-Table -Wrap | Out-String -Width $width | Write-Host

Show-Section "Export-ComplianceReport   (the HTML report for the assessor: $OutputPath/pci-lab-report.html)"
if (Test-Path $OutputPath) { Remove-Item $OutputPath -Recurse -Force }
New-Item -ItemType Directory -Path $OutputPath | Out-Null
$results = @(
    Get-HostControlDrift -Inventory $inv -Baseline pci-dss -Waiver $waivers -WarningAction SilentlyContinue
    Get-NetworkControlDrift -Inventory $inv -Baseline pci-dss -Waiver $waivers -WarningAction SilentlyContinue
    Get-VmControlDrift -Inventory $inv -Baseline pci-dss -Waiver $waivers -WarningAction SilentlyContinue
    Get-VCenterControlDrift -Inventory $inv -Baseline pci-dss -Waiver $waivers -WarningAction SilentlyContinue
    Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue
    Test-PciSeparation -Inventory $inv -Interpretation Strict -Waiver $waivers -WarningAction SilentlyContinue
)
$results | Export-ComplianceReport -Path (Join-Path $OutputPath 'pci-lab-report.html') -Inventory $inv -Waiver $waivers -Title 'PCI lab: compliance report' |
    Format-Table Name, Length, LastWriteTime -AutoSize | Out-String -Width $width | Write-Host

Show-Section "Save-ComplianceEvidence   (the evidence bundle: $OutputPath/evidence)"
Save-ComplianceEvidence -Inventory $inv -Path (Join-Path $OutputPath 'evidence') -Policy (Join-Path $samples 'pci-lab.policy.yaml') -Waiver $waivers -WarningAction SilentlyContinue |
    Out-String -Width $width | Write-Host

Show-Section 'Test-ComplianceEvidence -Quiet   (is the bundle as written?)'
Write-Host "Test-ComplianceEvidence -Quiet returned: $(Test-ComplianceEvidence -Path (Join-Path $OutputPath 'evidence') -Quiet)"
