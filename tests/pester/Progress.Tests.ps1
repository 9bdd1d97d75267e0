# Pester tests of the progress bars the cmdlets show: each one shown is completed when the cmdlet is done
# with it, or the console keeps drawing it. The progress stream is read from a PowerShell of its own
# (PowerShell.Streams.Progress), which keeps every record written. Connect-VirtServer's bar, shown
# only while a login waits, is tested against a server that holds its answer (xunit, ProgressTests).
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeAll {
    Import-Module $ModulePath -Force
    $moduleFolder = Split-Path $ModulePath

    # Runs the script in a PowerShell of its own with the module imported; its progress records, in order.
    function Get-ProgressRecord([string] $Script, [hashtable] $Variables = @{}) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; `$ProgressPreference = 'Continue'").AddStatement().AddScript($Script)
            foreach ($name in $Variables.Keys) { $ps.Runspace.SessionStateProxy.SetVariable($name, $Variables[$name]) }
            $null = $ps.Invoke()
            $ps.Streams.Error | ForEach-Object { throw $_ }
            @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
    }

    # The bars still up at the end: activities whose last record is not Completed.
    function Get-OpenBar($records) {
        $records | Group-Object ActivityId | Where-Object { $_.Group[-1].RecordType -ne 'Completed' } | ForEach-Object { $_.Group[-1].Activity }
    }
}

Describe 'Progress bars' {
    BeforeAll {
        # An inventory of 5,000 VMs and more, the size at which the analyses show their progress.
        $json = Get-Content -Raw (Join-Path $moduleFolder 'samples/pci-lab.json') | ConvertFrom-Json -AsHashtable
        $template = $json.vms | Where-Object name -eq 'print-01' | ConvertTo-Json -Depth 20
        $json.vms = @($json.vms) + @(for ($i = 0; $i -lt 5000; $i++) {
                $vm = $template | ConvertFrom-Json -AsHashtable
                $vm.id = "vm-$(100000 + $i)"; $vm.name = "bulk-$i"
                $vm
            })
        $largePath = Join-Path $TestDrive 'large.json'
        $json | ConvertTo-Json -Depth 30 | Set-Content $largePath
        $large = Import-VirtInventory $largePath
    }

    It 'completes the bar of Test-PciSeparation on a large inventory' {
        $records = Get-ProgressRecord '$null = Test-PciSeparation -Inventory $large' @{ large = $large }
        @($records | Where-Object { $_.Activity -eq 'Test-PciSeparation' -and $_.RecordType -eq 'Processing' }).Count | Should -BeGreaterThan 0
        Get-OpenBar $records | Should -BeNullOrEmpty
    }

    It 'completes the bar of Test-PciSeparation when it stops with an error' {
        $ps = [powershell]::Create()
        try {
            # An unknown rule id stops the analysis once it has started (and shown its bar).
            $null = $ps.AddScript("Import-Module '$ModulePath'").AddStatement().AddScript('Test-PciSeparation -Inventory $large -RuleId pci.no-such-rule')
            $ps.Runspace.SessionStateProxy.SetVariable('large', $large)
            $null = $ps.Invoke()
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'UnknownRuleId,*'
            $records = @($ps.Streams.Progress)
            @($records | Where-Object RecordType -eq 'Processing').Count | Should -BeGreaterThan 0
            Get-OpenBar $records | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'completes the bar of Get-VmMigrationExposure on a large inventory' {
        $records = Get-ProgressRecord '$null = Get-VmMigrationExposure -Inventory $large -Peer -WarningAction SilentlyContinue' @{ large = $large }
        @($records | Where-Object { $_.Activity -eq 'Get-VmMigrationExposure' -and $_.RecordType -eq 'Processing' }).Count | Should -BeGreaterThan 0
        Get-OpenBar $records | Should -BeNullOrEmpty
    }

    It 'completes the bar of fetching the objects piped PowerCLI objects refer to (Get-View)' {
        $script = ". '$(Join-Path $PSScriptRoot 'PowerCliFixtures.ps1')'" + @'

            $lab = New-PowerCliLab
            # PowerCLI's Get-View, answering from the lab: what the cmdlet calls for the cluster's hosts.
            function Get-View { param([object[]] $Id, [string] $ViewType) foreach ($i in $Id) { $lab.Views["$i"] } }
            $null = $lab.Cluster | Get-HostControlDrift -Peer -WarningAction SilentlyContinue
'@
        $records = Get-ProgressRecord $script
        @($records | Where-Object { $_.Activity -eq 'Get-HostControlDrift' -and $_.RecordType -eq 'Processing' }).Count | Should -BeGreaterThan 0
        Get-OpenBar $records | Should -BeNullOrEmpty
    }
}
