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
    PrivateData          = @{
        PSData = @{
            Tags       = @('VMware', 'vSphere', 'ESXi', 'Security', 'Compliance', 'PCI', 'PCIDSS', 'Audit', 'Hardening')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
