# Pester tests of parameters as a user types them: Tab completion (TabExpansion2, as the console calls
# it on a Tab press) and -Baseline given a baseline object.
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeAll {
    Import-Module $ModulePath -Force
    $moduleFolder = Split-Path $ModulePath
    $samplePath = Join-Path $moduleFolder 'samples/pci-lab.json'
    $siteBaseline = Join-Path $moduleFolder 'samples/pci-lab.baseline.json'
    $inv = Import-VirtInventory -Path $samplePath

    # What the console offers when Tab is pressed at the end of the line.
    function Complete([string] $line) {
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
    }
}

Describe 'Tab completion' {
    It 'completes -Vm from the inventory on the line' {
        Complete 'Get-VmControlDrift -Inventory $inv -Vm pay-d' | Should -Be @('pay-db-01', 'pay-db-02', 'pay-db-test-01')
        Complete 'Get-VmMigrationExposure -Inventory $inv -Vm pay-t' | Should -Be @('pay-tokenizer-01', 'pay-tokenizer-02')
        Complete 'Test-PciSeparation -Inventory $inv -Vm pay-app' | Should -Be @('pay-app-01', 'pay-app-02', 'pay-app-03')
        Complete 'Get-PciSegmentationMatrix -Inventory $inv -Detailed -Vm pay-b' | Should -Be 'pay-batch-01'
        Complete 'Get-VmFirewallPolicy -Inventory $inv -Vm pay-db-0' | Should -Be @('pay-db-01', 'pay-db-02')
    }

    It 'completes from an inventory piped in from a variable' {
        Complete '$inv | Get-VmMigrationExposure -Vm pay-db-t' | Should -Be 'pay-db-test-01'
    }

    It 'completes -Cluster from the inventory on the line' {
        Complete 'Get-HostControlDrift -Inventory $inv -Cluster ' | Should -Be @('General', 'Payments')
        Complete 'Get-VmMigrationExposure -Inventory $inv -Cluster pa' | Should -Be 'Payments'
        Complete 'Test-PciSeparation -Inventory $inv -Cluster G' | Should -Be 'General'
    }

    It 'completes -VMHost and -ReferenceHost with the inventory''s host names' {
        Complete 'Get-HostControlDrift -Inventory $inv -VMHost esx-pay-0' | Should -Be @('esx-pay-01.lab.local', 'esx-pay-02.lab.local', 'esx-pay-03.lab.local', 'esx-pay-04.lab.local')
        Complete 'Get-NetworkControlDrift -Inventory $inv -VMHost esx-e' | Should -Be 'esx-edge-01.lab.local'
        Complete 'New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-gen-01' | Should -Be 'esx-gen-01.lab.local'
    }

    It 'offers no names, and no error, without an inventory at hand' {
        Complete 'Get-HostControlDrift -Cluster ' | Should -BeNullOrEmpty
        Complete 'Get-VmControlDrift -Vm pay' | Should -BeNullOrEmpty
    }

    It 'completes -ControlId with the controls of the command''s kind of object' {
        Complete 'Get-HostControlDrift -Inventory $inv -ControlId esx-9.ss' | Should -Be 'esx-9.ssh'
        Complete 'Get-VmControlDrift -ControlId vm-9.deactivate-console-' | Should -Be @('vm-9.deactivate-console-copy', 'vm-9.deactivate-console-paste')
        Complete 'Get-HostControlDrift -ControlId vm-9.deactivate-console-' | Should -BeNullOrEmpty -Because 'VM controls are not host controls'
        Complete 'Get-NetworkControlDrift -ControlId vcenter-9.network-reject-promiscuous' | Should -Be 'vcenter-9.network-reject-promiscuous-mode-dvportgroup'
        Complete 'Get-VCenterControlDrift -ControlId vcenter-9.drs' | Should -Be 'vcenter-9.drs'
        Complete 'Repair-HostControlDrift -Baseline stig -ControlId esx-9.ss' | Should -Be 'esx-9.ssh'
        Complete 'Get-ComplianceControl -Id vcenter-9.network-reject-mac' | Should -Be 'vcenter-9.network-reject-mac-changes-dvportgroup'
    }

    It 'completes -ControlId from the baseline on the line: a file, a name or an object' {
        Complete "Get-HostControlDrift -Inventory `$inv -Baseline '$siteBaseline' -ControlId vc.package" | Should -Be 'vc.package-installed:acme-ids-sensor'
        $site = Get-ComplianceBaseline -Path $siteBaseline
        Complete 'Get-HostControlDrift -Baseline $site -ControlId vc.service' | Should -Be 'vc.service-running:acme-idsd'
        Complete 'Get-HostControlDrift -Baseline pci-dss -ControlId vc.package' | Should -BeNullOrEmpty -Because 'pci-dss names no package'
    }

    It 'completes -Baseline with the built-in baselines and the baseline files of the folder' {
        Complete 'Get-HostControlDrift -Baseline s' | Should -Contain 'scg'
        Complete 'Get-HostControlDrift -Baseline s' | Should -Contain 'stig'
        Complete 'Test-PciSeparation -Baseline pci' | Should -Be 'pci-dss'
        $folder = Join-Path $TestDrive 'baselines'
        $null = New-Item -ItemType Directory $folder
        Copy-Item $siteBaseline (Join-Path $folder 'gold.baseline.json')
        Set-Content (Join-Path $folder 'gold-notes.txt') 'not a baseline'
        Push-Location $folder
        try {
            Complete 'Get-VmControlDrift -Baseline ./go' | Should -Be './gold.baseline.json'
            Complete 'Save-ComplianceEvidence -Path x -Baseline ./gold' | Should -Be './gold.baseline.json'
        }
        finally { Pop-Location }
    }

    It 'completes -RuleId with the separation rules' {
        # In the registry's order, the order findings are written in.
        Complete 'Test-PciSeparation -RuleId pci.sh' | Should -Be @('pci.shared-segment', 'pci.shared-datastore')
    }

    It 'quotes a name that holds a space' {
        $json = Get-Content -Raw $samplePath | ConvertFrom-Json -AsHashtable
        ($json.clusters | Where-Object name -eq 'Payments').name = 'Payments EU'
        $renamed = Join-Path $TestDrive 'renamed.json'
        $json | ConvertTo-Json -Depth 20 | Set-Content $renamed
        $eu = Import-VirtInventory $renamed
        Complete 'Get-HostControlDrift -Inventory $eu -Cluster Pay' | Should -Be "'Payments EU'"
        Complete "Get-HostControlDrift -Inventory `$eu -Cluster 'Pay" | Should -Be "'Payments EU'"
    }

    It 'registers a completer on every -Cluster, -Vm, -VMHost, -ControlId, -Baseline and -RuleId' {
        $missing = foreach ($command in Get-Command -Module VirtCompliance) {
            foreach ($parameter in $command.Parameters.Values | Where-Object Name -in 'Cluster', 'Vm', 'VMHost', 'ControlId', 'Baseline', 'RuleId') {
                if (-not ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] })) { "$($command.Name) -$($parameter.Name)" }
            }
        }
        $missing | Should -BeNullOrEmpty
    }
}

Describe '-Baseline takes a baseline object' {
    BeforeAll {
        $scg = Get-ComplianceBaseline scg
        $site = Get-ComplianceBaseline -Path $siteBaseline
        # Each command with -Baseline, called the same way twice: with the object and with the name or file it came from.
        $calls = [ordered]@{
            'Get-HostControlDrift'    = { param($b) Get-HostControlDrift -Inventory $inv -Baseline $b }
            'Get-NetworkControlDrift' = { param($b) Get-NetworkControlDrift -Inventory $inv -Baseline $b }
            'Get-VmControlDrift'      = { param($b) Get-VmControlDrift -Inventory $inv -Baseline $b }
            'Get-VCenterControlDrift' = { param($b) Get-VCenterControlDrift -Inventory $inv -Baseline $b }
            'Get-VmMigrationExposure' = { param($b) Get-VmMigrationExposure -Inventory $inv -Baseline $b }
            'Test-PciSeparation'      = { param($b) Test-PciSeparation -Inventory $inv -Baseline $b -Interpretation HypervisorIsolation }
            'Get-ComplianceControl'   = { param($b) Get-ComplianceControl -Baseline $b }
            'Get-ComplianceWaiver'    = { param($b) Get-ComplianceWaiver -Path (Join-Path $moduleFolder 'samples/pci-lab.waivers.yaml') -Inventory $inv -Baseline $b -WarningAction SilentlyContinue }
            'Compare-VirtInventory'   = { param($b) Compare-VirtInventory -Reference $inv -Difference $changed -Baseline $b }
            'Save-ComplianceEvidence' = { param($b)
                $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
                $null = Save-ComplianceEvidence -Inventory $inv -Path $folder -Baseline $b -WarningAction SilentlyContinue
                Get-Content (Join-Path $folder 'host-control-drift.json') | ConvertFrom-Json }
        }
        # Against the simulator, in LiveServer.Tests.ps1: the repair cmdlets need a connection before they read -Baseline.
        $live = 'Repair-HostControlDrift', 'Repair-NetworkControlDrift', 'Repair-VmControlDrift', 'Repair-VCenterControlDrift'
        $today = Join-Path $TestDrive 'today.json'
        $json = Get-Content -Raw $samplePath | ConvertFrom-Json -AsHashtable
        ($json.hosts | Where-Object id -eq 'host-21').lockdownMode = 'lockdownDisabled'
        $json | ConvertTo-Json -Depth 20 | Set-Content $today
        $changed = Import-VirtInventory $today
    }

    It 'is covered here for every command that has -Baseline' {
        $withBaseline = (Get-Command -Module VirtCompliance | Where-Object { $_.Parameters.ContainsKey('Baseline') }).Name
        $withBaseline | Sort-Object | Should -Be (@($calls.Keys) + $live | Sort-Object)
    }

    It 'gives <_> the same answer for a baseline object as for its name or file' -ForEach @(
        'Get-HostControlDrift', 'Get-NetworkControlDrift', 'Get-VmControlDrift', 'Get-VCenterControlDrift', 'Get-VmMigrationExposure',
        'Test-PciSeparation', 'Get-ComplianceControl', 'Get-ComplianceWaiver', 'Compare-VirtInventory', 'Save-ComplianceEvidence') {
        $call = $calls[$_]
        $answered = 0
        foreach ($pair in @(@($scg, 'scg'), @($site, $siteBaseline))) {
            $byObject = @(& $call $pair[0])
            $byName = @(& $call $pair[1])
            $answered += $byName.Count
            ($byObject | ConvertTo-Csv) -join "`n" | Should -BeExactly (($byName | ConvertTo-Csv) -join "`n")
        }
        # The site baseline has no VM or vCenter controls; scg answers for those.
        $answered | Should -BeGreaterThan 0
    }

    It 'takes a baseline that was never saved, straight from New-ComplianceBaseline' {
        $gold = New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-pay-01 -Name gold
        $path = Join-Path $TestDrive 'gold.json'
        $null = New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-pay-01 -Name gold -Path $path
        $fromObject = Get-HostControlDrift -Inventory $inv -Baseline $gold -Cluster Payments
        $fromObject | Should -Not -BeNullOrEmpty
        ($fromObject | ConvertTo-Csv) -join "`n" | Should -BeExactly ((Get-HostControlDrift -Inventory $inv -Baseline $path -Cluster Payments | ConvertTo-Csv) -join "`n")
        (Get-ComplianceBaseline scg | ForEach-Object { Get-ComplianceControl -Baseline $_ }).Count | Should -Be (Get-ComplianceControl -Baseline scg).Count
    }

    It 'refuses what is neither a baseline, a name nor a file, saying what it takes' {
        { Get-HostControlDrift -Inventory $inv -Baseline 42 } | Should -Throw -ErrorId 'InvalidBaselineArgument,*' -ExpectedMessage '*baseline object*'
        { Get-HostControlDrift -Inventory $inv -Baseline 'pci-dss', 'scg' } | Should -Throw -ErrorId 'InvalidBaselineArgument,*'
        { Get-HostControlDrift -Inventory $inv -Baseline (Join-Path $TestDrive 'no-such.baseline.json') } | Should -Throw -ErrorId 'InvalidBaseline,*'
    }
}
