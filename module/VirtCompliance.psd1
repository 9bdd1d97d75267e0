@{
    RootModule           = 'VirtCompliance.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f1d8e-6c1a-4f55-9a63-2f7c1e0b9d41'
    Author               = 'VirtCompliance contributors'
    Copyright            = '(c) VirtCompliance contributors. MIT License.'
    Description          = 'Security, audit and PCI DSS compliance for virtualised infrastructure (VMware vSphere): host control drift, migration exposure, CDE separation and per-VM firewall policy.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('VirtCompliance.Format.ps1xml')
    CmdletsToExport      = @(
        'Compare-VirtInventory'
        'Connect-VirtServer'
        'Disconnect-VirtServer'
        'Get-VirtInventory'
        'Import-VirtInventory'
        'Invoke-VmFirewallPolicy'
        'Remove-VmFirewallPolicy'
        'Test-VmFirewallPolicy'
        'Get-VmFirewallPolicy'
        'Export-ComplianceReport'
        'Export-VirtInventory'
        'Get-ComplianceControl'
        'Get-ComplianceBaseline'
        'Get-ComplianceWaiver'
        'Repair-HostControlDrift'
        'Repair-NetworkControlDrift'
        'Repair-VCenterControlDrift'
        'Repair-VmControlDrift'
        'Undo-ControlRepair'
        'New-ComplianceBaseline'
        'Save-ComplianceEvidence'
        'Test-ComplianceEvidence'
        'Get-HostControlDrift'
        'Get-NetworkControlDrift'
        'Get-VmControlDrift'
        'Get-VCenterControlDrift'
        'Get-PciScope'
        'Test-PciSeparation'
        'Get-PciSegmentationMatrix'
        'Get-VmMigrationExposure'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    # No HelpInfoURI: the help ships in the module (en-US, generated from the code at each build) and no web
    # address serves updatable help for Update-Help to fetch; a URI here would point at nothing.
    PrivateData          = @{
        PSData = @{
            Tags         = @('VMware', 'vSphere', 'ESXi', 'Security', 'Compliance', 'PCI', 'PCIDSS', 'Audit', 'Hardening')
            # The MIT License's text; the module folder holds the LICENSE file itself.
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            # No ProjectUri: the project has no public address yet (the README names none), and an invented
            # one would send users nowhere. Add it when the repository is published.
            ReleaseNotes = 'The changes of each release are in CHANGELOG.md in the module folder: Get-Content (Join-Path (Get-Module VirtCompliance).ModuleBase CHANGELOG.md). 0.1.0 (2026-11-27) is the first release.'
        }
    }
}
