# Pester tests of the VirtCompliance module as a user meets it: imported from the published
# folder, in a fresh pwsh, with its views, help and error records.
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeDiscovery {
    # Every cmdlet, for the help tests (discovery runs before BeforeAll, so the list is its own).
    $allCmdlets = @('Compare-VirtInventory', 'Connect-VirtServer', 'Disconnect-VirtServer', 'Export-ComplianceReport', 'Export-VirtInventory', 'Get-ComplianceBaseline',
        'Get-ComplianceControl', 'Get-ComplianceWaiver', 'Get-HostControlDrift', 'Get-NetworkControlDrift', 'Get-PciScope', 'Get-PciSegmentationMatrix', 'Get-VCenterControlDrift', 'Get-VirtInventory',
        'Get-VmControlDrift', 'Get-VmFirewallPolicy', 'Get-VmMigrationExposure', 'Import-VirtInventory', 'Invoke-VmFirewallPolicy', 'New-ComplianceBaseline',
        'Remove-VmFirewallPolicy', 'Repair-HostControlDrift', 'Repair-NetworkControlDrift', 'Repair-VCenterControlDrift', 'Repair-VmControlDrift', 'Save-ComplianceEvidence', 'Test-ComplianceEvidence', 'Test-PciSeparation', 'Test-VmFirewallPolicy', 'Undo-ControlRepair')
}

BeforeAll {
    Import-Module $ModulePath -Force
    $moduleFolder = Split-Path $ModulePath
    $samplePath = Join-Path $moduleFolder 'samples/pci-lab.json'
    $siteBaseline = Join-Path $moduleFolder 'samples/pci-lab.baseline.json'
    $inv = Import-VirtInventory -Path $samplePath
    $expectedCmdlets = @('Compare-VirtInventory', 'Connect-VirtServer', 'Disconnect-VirtServer', 'Export-ComplianceReport', 'Export-VirtInventory', 'Get-ComplianceBaseline',
        'Get-ComplianceControl', 'Get-ComplianceWaiver', 'Get-HostControlDrift', 'Get-NetworkControlDrift', 'Get-PciScope', 'Get-PciSegmentationMatrix', 'Get-VCenterControlDrift', 'Get-VirtInventory',
        'Get-VmControlDrift', 'Get-VmFirewallPolicy', 'Get-VmMigrationExposure', 'Import-VirtInventory', 'Invoke-VmFirewallPolicy', 'New-ComplianceBaseline',
        'Remove-VmFirewallPolicy', 'Repair-HostControlDrift', 'Repair-NetworkControlDrift', 'Repair-VCenterControlDrift', 'Repair-VmControlDrift', 'Save-ComplianceEvidence', 'Test-ComplianceEvidence', 'Test-PciSeparation', 'Test-VmFirewallPolicy', 'Undo-ControlRepair')
}

Describe 'The VirtCompliance module' {
    It 'exports exactly the documented cmdlets' {
        (Get-Command -Module VirtCompliance).Name | Sort-Object | Should -Be $expectedCmdlets
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        foreach ($c in Get-Command -Module VirtCompliance) { $approved | Should -Contain $c.Verb }
    }

    It 'has help with a synopsis, a description, outputs and at least two examples for <_>' -ForEach $allCmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        ($help.Description | Out-String).Trim().Length | Should -BeGreaterThan 40
        ($help.ReturnValues | Out-String).Trim() | Should -Not -BeNullOrEmpty
        # Without a help file PowerShell makes the synopsis from the syntax, which starts with the name.
        $help.Synopsis.Trim() | Should -Not -BeLike "$_ *"
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        (Get-Help $_ -Examples | Out-String) | Should -Match 'PS > |Example 1'
    }

    It 'documents every parameter of <_>' -ForEach $allCmdlets {
        $command = Get-Command $_
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($name in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            (Get-Help $command.Name -Parameter $name).Description | Out-String | Should -Not -BeNullOrEmpty -Because "parameter -$name needs a description"
        }
    }

    It 'has a view for every type its cmdlets write' {
        $types = Get-Command -Module VirtCompliance | ForEach-Object { $_.OutputType.Type } |
            Where-Object { $_ -and $_.Namespace -like 'VirtCompliance*' } | Sort-Object FullName -Unique
        $types.Count | Should -BeGreaterThan 10
        foreach ($t in $types) { Get-FormatData -TypeName $t.FullName | Should -Not -BeNullOrEmpty -Because "$($t.FullName) needs a view" }
    }

    It 'has -Quiet on every Test- cmdlet, writing a single Boolean' {
        $tests = Get-Command -Module VirtCompliance -Verb Test
        $tests.Count | Should -BeGreaterOrEqual 3
        foreach ($c in $tests) {
            $c.Parameters.ContainsKey('Quiet') | Should -BeTrue -Because "$($c.Name) is a Test- cmdlet"
            $c.OutputType.Type | Should -Contain ([bool])
        }
        $bundle = Join-Path $TestDrive 'quiet-bundle'
        $null = Save-ComplianceEvidence -Inventory $inv -Path $bundle
        foreach ($answer in @(
                @(Test-PciSeparation -Inventory $inv -Quiet),
                @(Test-VmFirewallPolicy -Inventory $inv -Policy (Join-Path $moduleFolder 'samples/pci-lab.policy.yaml') -Quiet -WarningAction SilentlyContinue),
                @(Test-ComplianceEvidence -Path $bundle -Quiet))) {
            $answer.Count | Should -Be 1
            $answer[0] | Should -BeOfType [bool]
        }
    }

    It 'has an about topic' {
        Get-Help about_VirtCompliance | Out-String | Should -Match 'Get-HostControlDrift'
    }

    It 'has a manifest Test-ModuleManifest accepts, with its licence and release notes, and says why it has no ProjectUri or HelpInfoURI' {
        $manifest = Test-ModuleManifest -Path $ModulePath -ErrorAction Stop
        $text = Get-Content -Raw $ModulePath
        $manifest.LicenseUri | Should -Be 'https://opensource.org/licenses/MIT'
        $manifest.Copyright | Should -Match 'MIT License'
        $license = Get-Content (Join-Path $moduleFolder 'LICENSE')
        $license[0] | Should -Be 'MIT License'
        ($license -join "`n") | Should -Match 'Copyright \(c\) \d{4} VirtCompliance contributors'
        # Each address is a real one or left out with the reason; no placeholder.
        foreach ($field in 'ProjectUri', 'HelpInfoURI') {
            $value = if ($field -eq 'HelpInfoURI') { $manifest.HelpInfoUri } else { $manifest.$field }
            if ($value) { "$value" | Should -Not -Match 'example\.|placeholder|TODO|your-' }
            else { $text | Should -Match "# No $($field):" -Because "the manifest says why it has no $field" }
        }
        # The release notes point at the changelog the module ships, which has this version.
        $manifest.ReleaseNotes | Should -Match 'CHANGELOG\.md'
        $changelog = Get-Content (Join-Path (Get-Module VirtCompliance).ModuleBase 'CHANGELOG.md')
        $changelog[0] | Should -Be '# Changelog'
        $changelog | Should -Contain '## [Unreleased]'
        ($changelog -match "^## \[$([regex]::Escape($manifest.Version.ToString()))\] - \d{4}-\d{2}-\d{2}$").Count | Should -Be 1
        # Keep a Changelog's kinds of change, and nothing else.
        $changelog -match '^### ' | ForEach-Object { $_ | Should -BeIn '### Added', '### Changed', '### Deprecated', '### Removed', '### Fixed', '### Security' }
    }

    It 'says in its about topic which cmdlets contact a server, as the README does' {
        $about = Get-Help about_VirtCompliance | Out-String
        $flat = $about -replace '\s+', ' '
        $flat | Should -Not -Match 'never contact vCenter'
        $flat | Should -Not -Match 'not read from a live server'
        # The README: "every analysis cmdlet collects from the default connection when it has no -Inventory".
        $flat | Should -Match 'every analysis cmdlet without -Inventory collects from the default connection'
        $section = [regex]::Match($about, '(?ms)^WHICH CMDLETS CONTACT A SERVER\s*$(.*?)^[A-Z][A-Z ,:/-]+\s*$').Groups[1].Value -replace '\s+', ' '
        $section | Should -Not -BeNullOrEmpty
        $never = [regex]::Match($section, 'These never contact a server: (.*?)\.( |$)').Groups[1].Value
        $never | Should -Not -BeNullOrEmpty
        foreach ($command in Get-Command -Module VirtCompliance) {
            $named = $section -match "(^|[ (,])$([regex]::Escape($command.Name))([ ,.)]|$)"
            $namedNever = $never -match "(^| )$([regex]::Escape($command.Name))(,| |$)"
            if ($command.Parameters.ContainsKey('Server')) {
                # A -Server parameter means the cmdlet can talk to a server: the topic says so.
                $named | Should -BeTrue -Because "$($command.Name) can contact a server (it has -Server)"
                $namedNever | Should -BeFalse -Because "$($command.Name) has -Server"
            }
            else { $namedNever | Should -BeTrue -Because "$($command.Name) has no -Server, so it never contacts one" }
        }
    }
}

Describe 'Import-VirtInventory' {
    It 'reads the sample lab and exposes the file SHA-256 as evidence id' {
        $inv.Hosts.Count | Should -BeGreaterOrEqual 6
        $inv.Vms.Count | Should -BeGreaterOrEqual 30
        $inv.Sha256 | Should -Be (Get-FileHash -Algorithm SHA256 $samplePath).Hash.ToLowerInvariant()
    }

    It 'accepts files from Get-ChildItem on the pipeline' {
        $loaded = @(Get-ChildItem $samplePath | Import-VirtInventory)
        $loaded.Count | Should -Be 1
        $loaded[0].Sha256 | Should -Be $inv.Sha256
    }

    It 'reads the good files of a folder and names each bad one as a non-terminating error' {
        $folder = Join-Path $TestDrive 'mixed'
        $null = New-Item -ItemType Directory $folder
        Copy-Item $samplePath (Join-Path $folder 'a.json')
        Copy-Item $samplePath (Join-Path $folder 'c [1].json')
        Set-Content (Join-Path $folder 'b.json') '{ "not": "a snapshot" '
        $loaded = @(Get-ChildItem (Join-Path $folder '*.json') | Import-VirtInventory -ErrorAction SilentlyContinue -ErrorVariable bad)
        $loaded.Count | Should -Be 2
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSnapshot,*'
        $bad[0].TargetObject | Should -Be (Join-Path $folder 'b.json')
    }

    It 'expands wildcards in -Path, takes -LiteralPath as written, and says when nothing matches' {
        $folder = Join-Path $TestDrive 'wild'
        $null = New-Item -ItemType Directory $folder
        Copy-Item $samplePath (Join-Path $folder 'vc-1.json')
        Copy-Item $samplePath (Join-Path $folder 'vc-2.json')
        Copy-Item $samplePath (Join-Path $folder 'vc[3].json')
        @(Import-VirtInventory -Path (Join-Path $folder 'vc-*.json')).Count | Should -Be 2
        @(Import-VirtInventory -LiteralPath (Join-Path $folder 'vc[3].json')).Count | Should -Be 1
        $none = @(Import-VirtInventory -Path (Join-Path $folder 'nothing-*.json') -ErrorAction SilentlyContinue -ErrorVariable missing)
        $none.Count | Should -Be 0
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
    }

    It 'stops on a truncated file with an error id, the file and the line' {
        $cut = Join-Path $TestDrive 'cut.json'
        $bytes = [IO.File]::ReadAllBytes($samplePath)
        [IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length / 2))])
        $err = { Import-VirtInventory -Path $cut -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidSnapshot,*'
        $err.Exception.Message | Should -Match ([regex]::Escape($cut) + ':\d+:\d+: ')
    }

    It 'stops on schemaVersion 999 naming the version' {
        $future = Join-Path $TestDrive 'future.json'
        (Get-Content -Raw $samplePath) -replace '"schemaVersion": 3', '"schemaVersion": 999' | Set-Content $future
        { Import-VirtInventory -Path $future -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSnapshot,*' -ExpectedMessage '*schemaVersion 999 is not supported*'
    }

    It 'renders the inventory as a list with counts and hash' {
        $text = $inv | Out-String -Width 120
        $text | Should -Match 'Hosts\s+: 8'
        $text | Should -Match "Sha256\s+: $($inv.Sha256)"
    }
}

Describe 'Export-VirtInventory' {
    It 'writes nothing with -WhatIf' {
        $target = Join-Path $TestDrive 'whatif.json'
        Export-VirtInventory -Inventory $inv -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
    }

    It 'writes a file whose hash is the inventory hash, relative to the current location' {
        Push-Location $TestDrive
        try {
            $file = $inv | Export-VirtInventory -Path './copy.json'
            $file.FullName | Should -Be (Join-Path $TestDrive 'copy.json')
            (Get-FileHash -Algorithm SHA256 $file.FullName).Hash.ToLowerInvariant() | Should -Be $inv.Sha256
        }
        finally { Pop-Location }
    }
}

Describe 'Get-ComplianceControl and Get-ComplianceBaseline' {
    It 'lists at least 30 controls with PCI DSS ids' {
        $controls = Get-ComplianceControl
        $controls.Count | Should -BeGreaterOrEqual 30
        $controls | ForEach-Object { $_.PciDss.Count | Should -BeGreaterThan 0 }
    }

    It 'shows the remediation in the list view' {
        Get-ComplianceControl -Id esx-9.ssh | Format-List | Out-String -Width 120 | Should -Match 'Remediation\s+: Stop the SSH service'
    }

    It 'lists the built-in baselines' {
        (Get-ComplianceBaseline).Name | Should -Be @('pci-dss', 'scg', 'stig')
    }

    It 'refuses a baseline with an unknown control id, naming the line' {
        $bad = Join-Path $TestDrive 'bad.baseline.json'
        Set-Content $bad "{`n  `"name`": `"bad`",`n  `"controls`": [ { `"id`": `"esx-9.unknown`" } ]`n}"
        { Get-ComplianceBaseline -Path $bad } | Should -Throw -ErrorId 'InvalidBaseline,*' -ExpectedMessage "*bad.baseline.json:3:*esx-9.unknown*"
    }
}

Describe 'Get-HostControlDrift' {
    It 'reports exactly the seeded drift in peer mode' {
        $drift = Get-HostControlDrift -Inventory $inv -Peer -WarningAction SilentlyContinue | Where-Object Outcome -eq Fail
        $pairs = $drift | ForEach-Object { "$($_.Host) $($_.ControlId)" } | Sort-Object
        $pairs | Should -Be @(
            'esx-gen-02.lab.local esx-9.ad-admin-group-name'
            'esx-gen-02.lab.local esx-9.firewall-restrict-access'
            'esx-gen-02.lab.local esx-9.iscsi-mutual-chap'
            'esx-gen-02.lab.local esx-9.lockdown-exception-users'
            'esx-gen-02.lab.local esx-9.ssh'
            'esx-gen-02.lab.local esx-9.vmk-management'
            'esx-gen-02.lab.local esx-9.vmk-vmotion'
            'esx-pay-03.lab.local esx-9.log-audit-forwarding'
            'esx-pay-03.lab.local esx-9.log-forwarding'
            'esx-pay-03.lab.local vc.package-installed:acme-ids-sensor'
            'esx-pay-03.lab.local vc.service-running:acme-idsd'
        )
        $drift | ForEach-Object { $_.Basis | Should -Be 'Peer' }
    }

    It 'judges the sample against the DISA STIG baseline with its ESXI-80 ids and severities' {
        $drift = Get-HostControlDrift -Inventory $inv -Baseline stig -WarningAction SilentlyContinue
        $lockout = $drift | Where-Object { $_.ControlId -eq 'esx-9.account-lockout-max-attempts' -and $_.Host -eq 'esx-pay-01.lab.local' }
        $lockout.Outcome | Should -Be 'Fail'
        $lockout.Expected | Should -Be '= 3'
        $lockout.Vsphere8Stig | Should -Be @('ESXI-80-000005')
        $lockout.Baseline | Should -Be 'stig'
        # The STIG's severity, not the catalog's: SSH is high in the catalog, medium in ESXI-80-000193.
        ($drift | Where-Object { $_.ControlId -eq 'esx-9.ssh' -and $_.Host -eq 'esx-gen-02.lab.local' }).Severity | Should -Be 'Medium'
        $drift | ForEach-Object { $_.Vsphere8Stig | Should -Match '^ESXI-80-\d{6}$' }
    }

    It 'reports a standard vSwitch that accepts even when its portgroups override it' {
        $network = Get-NetworkControlDrift -Inventory $inv -Baseline scg -ControlId esx-9.network-standard-reject-forged-transmit
        $switch = $network | Where-Object ObjectKind -eq 'StandardSwitch'
        $switch.Host | Should -Be 'esx-gen-02.lab.local'
        $switch.Network | Should -Be 'vSwitch0'
        $switch.Outcome | Should -Be 'Fail'
        @($network | Where-Object ObjectKind -eq 'StandardPortgroup').Count | Should -Be 0
    }

    It 'reports cluster-wide gaps only against a baseline' {
        $drift = Get-HostControlDrift -Inventory $inv -Baseline pci-dss -Cluster General -WarningAction SilentlyContinue
        ($drift | Where-Object ControlId -eq 'esx-9.lockdown-mode').Host | Sort-Object |
            Should -Be @('esx-gen-01.lab.local', 'esx-gen-02.lab.local', 'esx-gen-03.lab.local')
        $drift | ForEach-Object { $_.Basis | Should -Be 'Baseline' }
    }

    It 'finds the host without the IDS agent with the site baseline' {
        $drift = Get-HostControlDrift -Inventory $inv -Baseline $siteBaseline -ControlId 'vc.*'
        ($drift | Where-Object Outcome -eq Fail).Host | Sort-Object -Unique | Should -Be 'esx-pay-03.lab.local'
        # esx-edge-01's service list was refused (NoPermission): its IDS service is not evaluated, not passed.
        ($drift | Where-Object Outcome -eq NotEvaluated).Host | Sort-Object -Unique | Should -Be 'esx-edge-01.lab.local'
    }

    It 'warns that the standalone host has no peers' {
        $null = Get-HostControlDrift -Inventory $inv -Peer -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -Match 'Standalone'
    }

    It 'renders a table grouped by cluster that fits 120 columns' {
        $text = Get-HostControlDrift -Inventory $inv -Peer -WarningAction SilentlyContinue | Out-String -Width 120
        $text | Should -Match 'Cluster: Payments'
        $text | Should -Match 'Cluster: General'
        $text | Should -Match 'Host\s+Outcome\s+ControlId\s+Severity\s+Expected\s+Actual'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 120 }) | Should -BeNullOrEmpty
    }

    It 'shows evidence and remediation in the list view' {
        $text = Get-HostControlDrift -Inventory $inv -Peer -ControlId esx-9.ssh | Format-List | Out-String -Width 120
        $text | Should -Match 'Actual\s+: running, policy on'
        $text | Should -Match 'PciDss\s+: 2.2.4'
        $text | Should -Match 'Remediation\s+: '
    }

    It 'says what to do when it has no inventory' {
        { Get-HostControlDrift } | Should -Throw -ErrorId 'NoInventory,*' -ExpectedMessage '*Import-VirtInventory*'
    }
}

Describe 'Get-VmMigrationExposure' {
    BeforeAll {
        $exposure = Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue
    }

    It 'lists VMs that could move onto the host without the IDS agent' {
        $toWeak = $exposure | Where-Object TargetHost -eq 'esx-pay-03.lab.local'
        $toWeak.Vm | Should -Contain 'pay-app-01'
        ($toWeak | Where-Object Vm -eq 'pay-app-01').LostControls | Should -Contain 'vc.package-installed:acme-ids-sensor'
    }

    It 'does not list VMs a mandatory DRS rule keeps on the secure hosts' {
        $exposure.Vm | Should -Not -Contain 'pay-db-01'
        $exposure.Vm | Should -Not -Contain 'pay-db-02'
    }

    It 'accepts VM names from the pipeline by property name' {
        $one = [pscustomobject]@{ Name = 'pay-app-01' } | Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue
        $one.Vm | Sort-Object -Unique | Should -Be 'pay-app-01'
    }

    It 'gathers VM names piped one by one into a single analysis' {
        $two = 'pay-app-01', 'pay-web-01' | ForEach-Object { [pscustomobject]@{ Name = $_ } } |
            Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue
        $two.Vm | Sort-Object -Unique | Should -Be @('pay-app-01', 'pay-web-01')
    }

    It 'analyses each inventory piped in' {
        $both = $inv, $inv | Get-VmMigrationExposure -Peer -Vm pay-app-01 -WarningAction SilentlyContinue
        @($both).Count | Should -Be (@($exposure | Where-Object Vm -eq 'pay-app-01').Count)
        $copy = Join-Path $TestDrive 'copy.json'
        $inv | Export-VirtInventory -Path $copy | Out-Null
        $fromTwo = $inv, (Import-VirtInventory $copy) | Get-VmMigrationExposure -Peer -Vm pay-app-01 -WarningAction SilentlyContinue
        @($fromTwo).Count | Should -Be (2 * @($both).Count)
    }

    It 'renders a table grouped by cluster' {
        $exposure | Out-String -Width 120 | Should -Match 'Cluster: Payments'
    }
}

Describe 'Pipeline input, as a user types it' {
    It 'takes piped VM names as -Vm: only their exposure, and no errors' {
        $names = @(Get-VmMigrationExposure -Inventory $inv | Select-Object -ExpandProperty Vm -Unique | Select-Object -First 2)
        $names.Count | Should -Be 2
        $piped = @($names | Get-VmMigrationExposure -Inventory $inv -ErrorVariable err)
        $err.Count | Should -Be 0
        $piped.Count | Should -BeGreaterThan 0
        @($piped | Where-Object Vm -notin $names).Count | Should -Be 0
        @(Get-VmMigrationExposure -Inventory $inv).Count | Should -BeGreaterThan $piped.Count
    }

    It 'takes the VMs of one result as the VMs of the next (Select-Object -ExpandProperty Vm | Test-PciSeparation)' {
        $one = Get-VmMigrationExposure -Inventory $inv | Where-Object Vm -eq 'build-agent-01' | Select-Object -First 1 -ExpandProperty Vm
        $findings = @($one | Test-PciSeparation -Inventory $inv -ErrorVariable err)
        $err.Count | Should -Be 0
        $findings.Count | Should -BeGreaterThan 0
        @($findings | Where-Object { $_.Vms -notcontains 'build-agent-01' }).Count | Should -Be 0
        @(Test-PciSeparation -Inventory $inv).Count | Should -BeGreaterThan $findings.Count
    }

    It 'takes empty input as no objects, not all of them' {
        @(@() | Test-PciSeparation -Inventory $inv).Count | Should -Be 0
        @(@() | Get-VmMigrationExposure -Inventory $inv).Count | Should -Be 0
        @(@() | Get-VmControlDrift -Inventory $inv).Count | Should -Be 0
        @(@() | Get-HostControlDrift -Inventory $inv).Count | Should -Be 0
        # Nothing matched upstream (Get-VM typo* with PowerCLI) is the same: nothing checked, nothing written.
        @($inv.Vms | Where-Object Name -like 'typo*' | Test-PciSeparation -Inventory $inv).Count | Should -Be 0
    }

    It 'takes piped host names and host objects as -VMHost' {
        $all = @(Get-HostControlDrift -Inventory $inv)
        $name = $all[0].Host
        $piped = @($name | Get-HostControlDrift -Inventory $inv)
        $piped.Count | Should -Be @($all | Where-Object Host -eq $name).Count
        @($inv.Hosts | Where-Object Name -eq $name | Get-HostControlDrift -Inventory $inv).Count | Should -Be $piped.Count
        @(Get-HostControlDrift -Inventory $inv -VMHost $name).Count | Should -Be $piped.Count
        { Get-HostControlDrift -Inventory $inv -VMHost 'no-such-host' -ErrorAction Stop } | Should -Throw -ErrorId 'HostNotFound,*'
    }

    It 'takes piped VM objects by id' {
        $vm = $inv.Vms | Where-Object Name -eq 'pay-db-01'
        @($vm | Get-VmControlDrift -Inventory $inv | Select-Object -ExpandProperty Vm -Unique) | Should -Be @('pay-db-01')
    }

    It 'refuses a string where no names are taken, naming what it takes' {
        { 'pay-db-01' | Get-VCenterControlDrift -Inventory $inv -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownObjectShape,*'
    }
}

Describe 'Get-PciScope' {
    It 'classifies VMs, hosts and segments and names the deciding source' {
        $scope = Get-PciScope -Inventory $inv
        ($scope | Where-Object { $_.ObjectType -eq 'Vm' -and $_.Name -eq 'pay-db-01' }).Source | Should -Be 'tag PCI-Scope/CDE'
        $gen2 = $scope | Where-Object { $_.ObjectType -eq 'Host' -and $_.Name -eq 'esx-gen-02.lab.local' }
        $gen2.Scope | Should -Be 'Cde'
        $gen2.Source | Should -Be 'can run CDE VM pay-reporting-01'
        ($scope | Where-Object { $_.ObjectType -eq 'Segment' -and $_.Name -eq 'dvpg-trunk' }).Scope | Should -Be 'Cde'
    }

    It 'resolves unknown VMs with a scope map and keeps conflicts visible' {
        $before = Get-PciScope -Inventory $inv -ObjectType Vm -Scope Unknown
        $before.Name | Should -Contain 'scratch-ubuntu-01'
        $after = Get-PciScope -Inventory $inv -ObjectType Vm -ScopeMap (Join-Path $moduleFolder 'samples/pci-lab.scope.json')
        ($after | Where-Object Name -eq 'scratch-ubuntu-01').Scope | Should -Be 'OutOfScope'
        ($after | Where-Object Name -eq 'scratch-ubuntu-01').Source | Should -Be 'mapping'
        ($after | Where-Object Conflict).Name | Should -Be 'pay-batch-01'
    }

    It 'refuses a scope map with an unknown scope, naming the line' {
        $bad = Join-Path $TestDrive 'bad.scope.json'
        Set-Content $bad "{`n  `"vms`": {`n    `"pay-db-01`": `"secret`"`n  }`n}"
        { Get-PciScope -Inventory $inv -ScopeMap $bad } | Should -Throw -ErrorId 'InvalidScopeMap,*' -ExpectedMessage "*bad.scope.json:3:*secret*"
    }

    It 'renders a table grouped by object type that fits 120 columns' {
        $text = Get-PciScope -Inventory $inv | Out-String -Width 120
        $text | Should -Match 'ObjectType: Host'
        $text | Should -Match 'Name\s+Scope\s+Conflict\s+Source'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 120 }) | Should -BeNullOrEmpty
    }
}

Describe 'Test-PciSeparation' {
    BeforeAll {
        $strict = Test-PciSeparation -Inventory $inv -Interpretation Strict
        $isolation = Test-PciSeparation -Inventory $inv -Interpretation HypervisorIsolation
    }

    It 'gives different, explained results under Strict and HypervisorIsolation' {
        $s = $strict | Where-Object { $_.RuleId -eq 'pci.mixed-scope-host' -and $_.Hosts -contains 'esx-pay-04.lab.local' }
        $h = $isolation | Where-Object { $_.RuleId -eq 'pci.mixed-scope-host' -and $_.Hosts -contains 'esx-pay-04.lab.local' }
        $s.Outcome | Should -Be 'Fail'
        $h.Outcome | Should -Be 'Info'
        $s.Message | Should -Match 'esx-pay-04.*build-agent-01'
        $h.Evidence | Should -Contain 'Condition 3 met: host passes every host control of baseline pci-dss.'
        @($strict | Where-Object Outcome -eq 'Fail').Count | Should -BeGreaterThan @($isolation | Where-Object Outcome -eq 'Fail').Count
        $strict | ForEach-Object { $_.Interpretation | Should -Be 'Strict' }
    }

    It 'names objects and PCI DSS ids in every finding' {
        $strict + $isolation | ForEach-Object {
            $_.PciDss | Should -Not -BeNullOrEmpty
            $_.Message | Should -Not -BeNullOrEmpty
            @($_.Hosts) + @($_.Vms) + @($_.Networks) + @($_.Datastores) | Should -Not -BeNullOrEmpty
        }
    }

    It 'returns a single bool with -Quiet' {
        $result = Test-PciSeparation -Inventory $inv -Quiet
        $result | Should -BeOfType [bool]
        @($result).Count | Should -Be 1
        $result | Should -BeFalse
        Test-PciSeparation -Inventory $inv -RuleId 'pci.shared-datastore' -Quiet | Should -BeTrue
    }

    It 'summarises per cluster with -Summary' {
        $summary = Test-PciSeparation -Inventory $inv -Summary
        $summary.Cluster | Should -Be @('Payments', 'General', '(standalone)')
        ($summary | Where-Object Cluster -eq 'Payments').Passed | Should -BeFalse
        ($summary | Where-Object Cluster -eq 'Payments').ByRule['pci.mixed-scope-host'] | Should -Be 1
        (Test-PciSeparation -Inventory $inv -Summary -Cluster General).Cluster | Should -Be 'General'
    }

    It 'filters by cluster, rule and piped VM names' {
        $general = Test-PciSeparation -Inventory $inv -Cluster General
        $general | ForEach-Object { $_.Clusters | Should -Contain 'General' }
        (Test-PciSeparation -Inventory $inv -RuleId 'pci.scope-*').RuleId | Should -Be 'pci.scope-conflict'
        $piped = [pscustomobject]@{ Name = 'pay-db-test-01' } | Test-PciSeparation -Inventory $inv
        $piped | ForEach-Object { $_.Vms | Should -Contain 'pay-db-test-01' }
        $piped.RuleId | Should -Contain 'pci.shared-segment'
    }

    It 'writes an error for a cluster that does not exist' {
        $null = Test-PciSeparation -Inventory $inv -Cluster Nope -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ClusterNotFound,*'
    }

    It 'renders a table that fits 120 columns and a list with evidence and remediation' {
        $text = $strict | Out-String -Width 120
        $text | Should -Match 'Outcome\s+Severity\s+RuleId\s+Message'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 120 }) | Should -BeNullOrEmpty
        $list = $strict | Where-Object RuleId -eq 'pci.shared-segment' | Format-List | Out-String -Width 120
        $list | Should -Match 'Evidence\s+: Segment dvpg-cde-db \+ dvpg-pay-test'
        $list | Should -Match 'Remediation\s+: Move the out-of-scope VMs'
    }

    It 'lists every rule of the registry in its help and completes -RuleId from it' {
        $rules = [VirtCompliance.Pci.SeparationRules]::All.Info.Id
        $rules | Should -Contain 'pci.no-cde-scope'
        $help = Get-Help Test-PciSeparation -Full | Out-String -Width 200
        foreach ($id in $rules) { $help | Should -Match ([regex]::Escape($id)) }
        $line = 'Test-PciSeparation -RuleId pci.no-'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'pci.no-cde-scope'
    }

    It 'refuses a rule id that names no rule' {
        { Test-PciSeparation -Inventory $inv -RuleId pci.mixed-scope-hots } | Should -Throw -ErrorId 'UnknownRuleId,*' -ExpectedMessage '*pci.mixed-scope-hots*'
    }
}

Describe 'Get-PciSegmentationMatrix' {
    It 'writes the six scope-class pairs and what each shares' {
        $matrix = Get-PciSegmentationMatrix -Inventory $inv
        @($matrix).Count | Should -Be 6
        $cdeOut = $matrix | Where-Object { $_.ScopeA -eq 'Cde' -and $_.ScopeB -eq 'OutOfScope' }
        $cdeOut.Separated | Should -BeFalse
        $cdeOut.SharedHosts | Should -Be @('esx-pay-04.lab.local', 'esx-gen-01.lab.local')
        $cdeOut.SharedSegments | Should -Be 'dvpg-cde-db + dvpg-pay-test'
    }

    It 'lists VM pairs with -Detailed' {
        $pairs = Get-PciSegmentationMatrix -Inventory $inv -Detailed -Vm pay-db-01
        $test = $pairs | Where-Object VmB -eq 'pay-db-test-01'
        $test.SharedSegments | Should -Be 'dvpg-cde-db + dvpg-pay-test'
        $pairs | ForEach-Object { $_.VmA | Should -Be 'pay-db-01'; $_.ScopeB | Should -Not -Be 'Cde' }
    }
}

Describe 'Firewall policy on the sample snapshot' {
    It 'reports every protected port as missing the policy, and -Quiet as false' {
        $policy = Join-Path $moduleFolder 'samples/pci-lab.policy.yaml'
        $status = Test-VmFirewallPolicy -Policy $policy -Inventory $inv -WarningAction SilentlyContinue
        $status | Should -Not -BeNullOrEmpty
        $status | ForEach-Object { $_.Status | Should -BeIn @('Missing', 'Different') }
        ($status | Where-Object Vm -eq 'pay-db-01').Status | Should -Be 'Missing'
        Test-VmFirewallPolicy -Policy $policy -Inventory $inv -Quiet -WarningAction SilentlyContinue | Should -BeFalse
    }

    It 'shows portgroup filters in force with Get-VmFirewallPolicy' {
        $rules = Get-VmFirewallPolicy -Inventory $inv -Vm pay-app-01
        $rules.Origin | Sort-Object -Unique | Should -Be 'Portgroup'
        $rules.Count | Should -Be 2
    }
}

Describe 'Compare-VirtInventory' {
    It 'reports the drift, moves and scope changes between two snapshots' {
        $today = Join-Path $TestDrive 'today.json'
        $json = Get-Content -Raw $samplePath | ConvertFrom-Json -AsHashtable
        ($json.hosts | Where-Object id -eq 'host-21').lockdownMode = 'lockdownDisabled'
        ($json.vms | Where-Object name -eq 'print-01').hostId = 'host-26'
        ($json.vms | Where-Object name -eq 'old-ftp-01').customAttributes = @{ 'PCI-Scope' = 'OutOfScope' }
        $json | ConvertTo-Json -Depth 20 | Set-Content $today
        $changes = Compare-VirtInventory -Reference $inv -Difference (Import-VirtInventory $today)
        ($changes | Where-Object Kind -eq 'ControlFailing').ControlId | Should -Be 'esx-9.lockdown-mode'
        ($changes | Where-Object Kind -eq 'ControlFailing').Object | Should -Be 'esx-pay-01.lab.local'
        ($changes | Where-Object Kind -eq 'VmMoved').Message | Should -Be 'VM print-01 moved from esx-gen-01.lab.local to esx-gen-02.lab.local.'
        ($changes | Where-Object Kind -eq 'ScopeChanged').Object | Should -Be 'old-ftp-01'
        @($changes).Count | Should -Be 3
        ($changes | Out-String -Width 120) | Should -Match 'Kind\s+Object\s+Message'
    }

    It 'finds nothing between a snapshot and itself' {
        Compare-VirtInventory -Reference $inv -Difference $inv | Should -BeNullOrEmpty
    }
}

Describe 'Save-ComplianceEvidence and Test-ComplianceEvidence' {
    BeforeAll {
        $bundle = Join-Path $TestDrive 'evidence'
        $files = Save-ComplianceEvidence -Inventory $inv -Path $bundle -Policy (Join-Path $moduleFolder 'samples/pci-lab.policy.yaml') -WarningAction SilentlyContinue
    }

    It 'writes the snapshot, every result set, the reports and a manifest of hashes' {
        $files.Name | Should -Be @('inventory.json', 'host-control-drift.json', 'network-control-drift.json', 'vm-control-drift.json', 'vcenter-control-drift.json', 'host-control-drift-peer.json', 'vm-migration-exposure.json',
            'pci-scope.json', 'pci-separation.json', 'firewall-policy-status.json', 'report.html', 'report.sarif', 'report.junit.xml')
        $manifest = Get-Content -Raw (Join-Path $bundle 'manifest.json') | ConvertFrom-Json
        $manifest.inventorySha256 | Should -Be $inv.Sha256
        $manifest.source | Should -Be $inv.Source
        $manifest.files.Count | Should -Be 13
        ($manifest.files | Where-Object name -eq 'pci-separation.json').records | Should -BeGreaterThan 0
        # The reports hold the baseline drift (hosts, networks, VMs), exposure, separation and firewall results: each once, the peer drift not at all.
        $reported = 'host-control-drift.json', 'network-control-drift.json', 'vm-control-drift.json', 'vcenter-control-drift.json', 'vm-migration-exposure.json', 'pci-separation.json', 'firewall-policy-status.json' |
            ForEach-Object { ($manifest.files | Where-Object name -eq $_).records } | Measure-Object -Sum
        ($manifest.files | Where-Object name -eq 'report.sarif').records | Should -Be $reported.Sum
        (Get-Content -Raw (Join-Path $bundle 'report.sarif') | ConvertFrom-Json).runs[0].results.Count | Should -Be $reported.Sum
        (Get-FileHash -Algorithm SHA256 (Join-Path $bundle 'inventory.json')).Hash.ToLowerInvariant() | Should -Be $inv.Sha256
    }

    It 'verifies an intact bundle, whose manifest says it is unsigned' {
        $checks = Test-ComplianceEvidence -Path $bundle
        ($checks | Where-Object File -eq 'manifest.json').Status | Should -Be 'Unsigned'
        $checks | Where-Object File -ne 'manifest.json' | ForEach-Object { $_.Status | Should -Be 'Ok' }
        Test-ComplianceEvidence -Path $bundle -Quiet | Should -BeTrue
        Test-ComplianceEvidence -Path $bundle -Quiet -RequireSignature | Should -BeFalse
    }

    It 'files a JUnit report with a testcase for every evaluated control, the passes too' {
        $manifest = Get-Content -Raw (Join-Path $bundle 'manifest.json') | ConvertFrom-Json
        [xml] $junit = Get-Content -Raw (Join-Path $bundle 'report.junit.xml')
        $passes = @($junit.testsuites.testsuite.testcase | Where-Object status -eq 'Pass')
        $passes.Count | Should -BeGreaterThan 0
        @($junit.testsuites.testsuite.testcase).Count | Should -Be ($manifest.files | Where-Object name -eq 'report.junit.xml').records
        ($manifest.files | Where-Object name -eq 'report.junit.xml').records | Should -Be (($manifest.files | Where-Object name -eq 'report.sarif').records + $passes.Count)
        # The result files hold what did not pass; the SARIF report points at the bundle's own snapshot.
        (Get-Content -Raw (Join-Path $bundle 'host-control-drift.json') | ConvertFrom-Json).outcome | Should -Not -Contain 'pass'
        (Get-Content -Raw (Join-Path $bundle 'report.sarif') | ConvertFrom-Json).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri | Should -Be 'inventory.json'
    }

    It 'detects a single changed byte, a missing file and an added one' {
        $copy = Join-Path $TestDrive 'tampered'
        Copy-Item $bundle $copy -Recurse
        $file = Join-Path $copy 'pci-separation.json'
        $bytes = [IO.File]::ReadAllBytes($file); $bytes[10] = $bytes[10] -bxor 1; [IO.File]::WriteAllBytes($file, $bytes)
        Remove-Item (Join-Path $copy 'pci-scope.json')
        Set-Content (Join-Path $copy 'extra.txt') 'x'
        $checks = Test-ComplianceEvidence -Path $copy
        ($checks | Where-Object File -eq 'pci-separation.json').Status | Should -Be 'Changed'
        ($checks | Where-Object File -eq 'pci-scope.json').Status | Should -Be 'Missing'
        ($checks | Where-Object File -eq 'extra.txt').Status | Should -Be 'Unlisted'
        Test-ComplianceEvidence -Path $copy -Quiet | Should -BeFalse
    }

    It 'answers -Quiet with $false, and names the manifest line, for a manifest of the wrong shape' {
        $copy = Join-Path $TestDrive 'mangled'
        Copy-Item $bundle $copy -Recurse
        [IO.File]::WriteAllText((Join-Path $copy 'manifest.json'), '{"schemaVersion": 1, "files": {"name": "inventory.json"}}')
        Test-ComplianceEvidence -Path $copy -Quiet | Should -BeFalse
        $check = Test-ComplianceEvidence -Path $copy | Where-Object Status -eq 'ManifestInvalid'
        $check | Should -Not -BeNullOrEmpty
        $check.Message | Should -Match 'manifest\.json:1:'
    }

    It 'will not write into a folder that is not empty' {
        { Save-ComplianceEvidence -Inventory $inv -Path $bundle } | Should -Throw -ErrorId 'EvidenceNotWritten,*'
        { Save-ComplianceEvidence -Inventory $inv -Path (Join-Path $TestDrive 'whatif') -WhatIf } | Should -Not -Throw
        Test-Path (Join-Path $TestDrive 'whatif') | Should -BeFalse
    }
}

Describe 'Signed evidence (Save-ComplianceEvidence -Certificate, Test-ComplianceEvidence -TrustedCertificate)' {
    BeforeAll {
        # Two certificates made here, as an administrator would from a .pfx file: nothing with a key is kept in the repository.
        function New-SigningPfx([string] $Name, [string] $Path, [securestring] $Password) {
            $rsa = [System.Security.Cryptography.RSA]::Create(2048)
            try {
                $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $rsa,
                    [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
                $certificate = $request.CreateSelfSigned([datetimeoffset]'2025-01-01T00:00:00Z', [datetimeoffset]'2035-01-01T00:00:00Z')
                [IO.File]::WriteAllBytes($Path, $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $Password))
                [IO.File]::WriteAllBytes([IO.Path]::ChangeExtension($Path, '.cer'), $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Cert))
            }
            finally { $rsa.Dispose() }
        }
        $password = ConvertTo-SecureString 'test only' -AsPlainText -Force
        New-SigningPfx 'Evidence signer' (Join-Path $TestDrive 'evidence-signer.pfx') $password
        New-SigningPfx 'Someone else' (Join-Path $TestDrive 'someone-else.pfx') $password
        $signer = Get-PfxCertificate -FilePath (Join-Path $TestDrive 'evidence-signer.pfx') -Password $password
        $other = Get-PfxCertificate -FilePath (Join-Path $TestDrive 'someone-else.pfx') -Password $password
        $expected = Get-PfxCertificate -FilePath (Join-Path $TestDrive 'evidence-signer.cer')
        $signed = Join-Path $TestDrive 'signed'
        $null = Save-ComplianceEvidence -Inventory $inv -Path $signed -Certificate $signer -WarningAction SilentlyContinue
    }

    It 'signs the manifest, and the verification names the signer' {
        Test-Path (Join-Path $signed 'manifest.json.p7s') | Should -BeTrue
        $check = Test-ComplianceEvidence -Path $signed -TrustedCertificate $expected | Where-Object File -eq 'manifest.json'
        $check.Status | Should -Be 'Ok'
        $check.Signer | Should -Be 'CN=Evidence signer'
        $check.SignerThumbprint | Should -Be $signer.Thumbprint
        $check.SignedAt | Should -Not -BeNullOrEmpty
        ($check | Format-List | Out-String -Width 200) | Should -Match 'SignerThumbprint\s*:\s*[0-9A-F]{40}'
        Test-ComplianceEvidence -Path $signed -TrustedThumbprint $signer.Thumbprint -Quiet | Should -BeTrue
        Test-ComplianceEvidence -Path $signed -RequireSignature -Quiet | Should -BeTrue
    }

    It 'reports a bundle with one byte changed and its hash recomputed in the manifest as tampered' {
        $copy = Join-Path $TestDrive 'rehashed'
        Copy-Item $signed $copy -Recurse
        $file = Join-Path $copy 'pci-separation.json'
        $bytes = [IO.File]::ReadAllBytes($file); $bytes[20] = $bytes[20] -bxor 1; [IO.File]::WriteAllBytes($file, $bytes)
        $manifest = Get-Content -Raw (Join-Path $copy 'manifest.json') | ConvertFrom-Json
        ($manifest.files | Where-Object name -eq 'pci-separation.json').sha256 = (Get-FileHash -Algorithm SHA256 $file).Hash.ToLowerInvariant()
        $manifest | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $copy 'manifest.json')
        $checks = Test-ComplianceEvidence -Path $copy
        ($checks | Where-Object File -eq 'pci-separation.json').Status | Should -Be 'Ok' -Because 'the hash was recomputed to match'
        ($checks | Where-Object File -eq 'manifest.json').Status | Should -Be 'Tampered'
        ($checks | Where-Object File -eq 'manifest.json').Message | Should -Match 'changed after it was signed'
        Test-ComplianceEvidence -Path $copy -Quiet | Should -BeFalse
    }

    It 'names a bundle signed by another certificate than the one expected' {
        $elsewhere = Join-Path $TestDrive 'other-signer'
        $null = Save-ComplianceEvidence -Inventory $inv -Path $elsewhere -Certificate $other -WarningAction SilentlyContinue
        $check = Test-ComplianceEvidence -Path $elsewhere -TrustedCertificate $expected | Where-Object File -eq 'manifest.json'
        $check.Status | Should -Be 'UntrustedSigner'
        $check.Signer | Should -Be 'CN=Someone else'
        $check.Message | Should -Match "signed by CN=Someone else .*not by the expected signer: CN=Evidence signer \(thumbprint $($signer.Thumbprint)\)"
        Test-ComplianceEvidence -Path $elsewhere -TrustedCertificate $expected -Quiet | Should -BeFalse
        ($check | Out-String -Width 120) | Should -Match 'UntrustedSigner\s+manifest\.json'
    }

    It 'refuses a certificate without its private key with a typed error, and writes nothing' {
        { Save-ComplianceEvidence -Inventory $inv -Path (Join-Path $TestDrive 'no-key') -Certificate $expected } | Should -Throw -ErrorId 'CertificateWithoutPrivateKey,*'
        Test-Path (Join-Path $TestDrive 'no-key') | Should -BeFalse
        { Test-ComplianceEvidence -Path $signed -TrustedThumbprint 'not-a-thumbprint' } | Should -Throw -ErrorId 'InvalidThumbprint,*'
    }

    It 'loads one System.Security.Cryptography.Pkcs, the one PowerShell ships' {
        $loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'System.Security.Cryptography.Pkcs' })
        $loaded.Count | Should -Be 1
        $loaded[0].Location | Should -BeLike "$PSHOME*"
    }
}

Describe 'Export-ComplianceReport' {
    BeforeAll {
        $results = @(Get-HostControlDrift -Inventory $inv -WarningAction SilentlyContinue) + @(Test-PciSeparation -Inventory $inv)
    }

    It 'writes a self-contained HTML page with its sections' {
        $file = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'r.html') -Inventory $inv -Title 'Lab report'
        $html = Get-Content -Raw $file.FullName
        $html | Should -Match '<section id="summary">'
        $html | Should -Match '<section id="requirements">'
        $html | Should -Match '<section id="cde-separation">'
        $html | Should -Match '<svg id="severity-chart"'
        $html | Should -Match ([regex]::Escape($inv.Sha256))
        $html | Should -Not -Match '(src|href)="https?:'
        $html | Should -Not -Match '<script'
    }

    It 'writes JUnit with one testcase per result and the failures counted' {
        $file = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'r.xml') -Format JUnit
        [xml] $xml = Get-Content -Raw $file.FullName
        @($xml.testsuites.testsuite.testcase).Count | Should -Be $results.Count
        [int]$xml.testsuites.failures | Should -Be @($results | Where-Object { $null -eq $_.PSObject.Properties['Outcome'] -or "$($_.Outcome)" -eq 'Fail' }).Count
    }

    It 'writes JUnit that is valid against the JUnit 4 schema Pester ships, and the check would catch a broken file' {
        $file = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'v.xml') -Format JUnit
        $xsd = Join-Path (Get-Module Pester).ModuleBase 'schemas/JUnit4/junit_schema_4.xsd'
        function Get-JUnitProblem([xml] $Document) {
            $problems = [System.Collections.Generic.List[string]]::new()
            $null = $Document.Schemas.Add($null, $xsd)
            $Document.Validate({ param($sender, $e) $problems.Add($e.Message) })
            , $problems
        }
        [xml] $good = Get-Content -Raw $file.FullName
        (Get-JUnitProblem $good).Count | Should -Be 0
        [xml] $broken = Get-Content -Raw $file.FullName
        $null = $broken.SelectSingleNode('//testcase').Attributes.RemoveNamedItem('name')
        (Get-JUnitProblem $broken).Count | Should -BeGreaterThan 0
    }

    It 'writes JUnit with a testcase for every evaluated control given -IncludePass, valid against the JUnit 4 schema, so a fixed control turns green' {
        $all = @(Get-HostControlDrift -Inventory $inv -IncludePass -WarningAction SilentlyContinue)
        $file = $all | Export-ComplianceReport -Path (Join-Path $TestDrive 'all.xml')
        [xml] $xml = Get-Content -Raw $file.FullName
        $cases = @($xml.testsuites.testsuite.testcase)
        $cases.Count | Should -Be $all.Count
        @($cases | Where-Object status -eq 'Pass').Count | Should -Be @($all | Where-Object Outcome -eq Pass).Count
        @($cases | Where-Object status -eq 'Pass').Count | Should -BeGreaterThan 0
        @($cases | Where-Object { $_.status -eq 'Pass' -and $_.HasChildNodes }).Count | Should -Be 0
        $notEvaluated = $all | Where-Object Outcome -eq NotEvaluated | Select-Object -First 1
        $case = $cases | Where-Object { $_.name -eq $notEvaluated.Host -and $_.classname -eq "Host control drift.$($notEvaluated.ControlId)" }
        $case.skipped.message | Should -Match ([regex]::Escape($notEvaluated.Reason))
        @($xml.SelectNodes('//error')).Count | Should -Be 0
        $xsd = Join-Path (Get-Module Pester).ModuleBase 'schemas/JUnit4/junit_schema_4.xsd'
        $problems = [System.Collections.Generic.List[string]]::new()
        $null = $xml.Schemas.Add($null, $xsd)
        $xml.Validate({ param($sender, $e) $problems.Add($e.Message) })
        $problems.Count | Should -Be 0
    }

    It 'writes SARIF whose every result is located in the snapshot file, by its path relative to the current folder, with the object as a logical location' {
        Push-Location $moduleFolder
        try {
            $file = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'located.sarif') -Inventory $inv
        }
        finally { Pop-Location }
        $run = (Get-Content -Raw $file.FullName | ConvertFrom-Json).runs[0]
        @($run.results).Count | Should -Be $results.Count
        $run.results | ForEach-Object { $_.locations[0].physicalLocation.artifactLocation.uri | Should -Be 'samples/pci-lab.json' }
        $hostResult = $run.results | Where-Object ruleId -like 'HostControlDrift/*' | Select-Object -First 1
        $hostResult.locations[0].logicalLocations[0].kind | Should -Be 'host'
        $hostResult.locations[0].logicalLocations[0].fullyQualifiedName | Should -BeLike 'vcsa-01.lab.local/*/*'
        # Outside the current folder the snapshot is named by its absolute file URI.
        Push-Location $TestDrive
        try {
            $outside = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'outside.sarif') -Inventory $inv
        }
        finally { Pop-Location }
        (Get-Content -Raw $outside.FullName | ConvertFrom-Json).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri | Should -Be ([System.Uri]::new($samplePath)).AbsoluteUri
    }

    It 'warns that SARIF results without -Inventory cannot name their snapshot, and still gives each a location' {
        $file = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'unknown.sarif') -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Match '-Inventory'
        (Get-Content -Raw $file.FullName | ConvertFrom-Json).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri | Should -Be 'virtcompliance:unknown-inventory'
    }

    It 'writes CSV with stable columns, and JSON and Markdown with a summary' {
        $csv = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'r.csv') -Format Csv
        (Get-Content $csv.FullName -TotalCount 1) | Should -Be 'Category,Rule,Object,Cluster,VCenter,Severity,Outcome,PciDss,Message,Evidence,Remediation,Waiver,WaiverExpires,WaiverJustification'
        @(Import-Csv $csv.FullName).Count | Should -Be $results.Count
        $json = Get-Content -Raw ($results | Export-ComplianceReport -Path (Join-Path $TestDrive 'r.json') -Format Json).FullName | ConvertFrom-Json
        $json.items.Count | Should -Be $results.Count
        $json.summary.byOutcome.fail | Should -BeGreaterThan 0
        (Get-Content -Raw ($results | Export-ComplianceReport -Path (Join-Path $TestDrive 'r.md') -Format Markdown).FullName) | Should -Match '## By PCI DSS 4.0.1 requirement'
    }

    It 'takes the format from the file extension when -Format is not given' {
        $sarif = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'x.sarif')
        (Get-Content -Raw $sarif.FullName | ConvertFrom-Json).version | Should -Be '2.1.0'
        $junit = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'x.xml')
        ([xml](Get-Content -Raw $junit.FullName)).testsuites | Should -Not -BeNullOrEmpty
        $csv = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'x.csv')
        Get-Content $csv.FullName -TotalCount 1 | Should -BeLike 'Category,Rule,*'
        $forced = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'x.txt') -Format Markdown
        Get-Content -Raw $forced.FullName | Should -Match '^# '
    }

    It 'writes nothing with -WhatIf, and never leaves a half-written file' {
        $target = Join-Path $TestDrive 'whatif.html'
        $results | Export-ComplianceReport -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
        $null = $results | Export-ComplianceReport -Path (Join-Path $TestDrive 'ok.html')
        @(Get-ChildItem $TestDrive -Force -Filter '*.tmp').Count | Should -Be 0
    }

    It 'refuses objects that are not results, one error each' {
        $null = 'text', 42 | Export-ComplianceReport -Path (Join-Path $TestDrive 'x.html') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotAResult,*'
    }
}

Describe 'Waivers (Get-ComplianceWaiver and -Waiver)' {
    BeforeAll {
        $waivers = Join-Path $moduleFolder 'samples/pci-lab.waivers.yaml'
    }

    It 'lists an active, an expiring and an expired waiver as of the inventory, with what each covers' {
        $status = Get-ComplianceWaiver -Path $waivers -Inventory $inv
        $status.Id | Should -Be @('WVR-2025-001', 'WVR-2025-004', 'WVR-2024-017')
        $status.State | Should -Be @('Active', 'ExpiringSoon', 'Expired')
        $status[0].Matched | Should -Be 2
        $status[0].PSObject.TypeNames[0] | Should -Be 'VirtCompliance.Waivers.WaiverStatus'
        (Get-ComplianceWaiver -Path $waivers -AsOf 2025-06-02 -State Expired).Id | Should -Be 'WVR-2024-017'
        (Get-ComplianceWaiver -Path $waivers -AsOf 2026-01-01).State | Should -Be @('Expired', 'Expired', 'Expired')
        ($status | Format-Table | Out-String -Width 120) | Should -Match 'WVR-2025-004\s+ExpiringSoon\s+2025-06-20\s+18'
    }

    It 'turns covered failures into Waived, leaves the expired one failing, and warns of the expiring one' {
        $drift = Get-HostControlDrift -Inventory $inv -Waiver $waivers -WarningVariable warned -WarningAction SilentlyContinue
        ($drift | Where-Object Outcome -eq Waived).ControlId | Sort-Object | Should -Be @('esx-9.log-audit-forwarding', 'esx-9.log-forwarding')
        $ssh = $drift | Where-Object { $_.ControlId -eq 'esx-9.ssh' -and $_.Host -eq 'esx-gen-02.lab.local' }
        $ssh.Outcome | Should -Be 'Fail'
        $ssh.Waiver.Expired | Should -BeTrue
        ($warned -join "`n") | Should -Match 'WVR-2025-004.*in 18 day'
    }

    It 'lets a waived separation finding pass and keeps the gate honest' {
        $findings = Test-PciSeparation -Inventory $inv -Waiver $waivers -WarningAction SilentlyContinue
        ($findings | Where-Object Outcome -eq Waived).Hosts | Should -Be 'esx-pay-01.lab.local'
        Test-PciSeparation -Inventory $inv -Waiver $waivers -Quiet -WarningAction SilentlyContinue | Should -BeFalse
    }

    It 'refuses a bad waiver file with one error naming the file, line and value, and applies nothing' {
        $bad = Join-Path $TestDrive 'bad.waivers.yaml'
        Set-Content -Path $bad -Value "waivers:`n  - id: W-1`n    controls: esx-9.no-such-control`n    objects: '*'`n    justification: x`n    owner: a`n    approver: b`n    created: 2025-01-01`n    expires: 2025-12-31"
        { Get-HostControlDrift -Inventory $inv -Waiver $bad } | Should -Throw -ErrorId 'InvalidWaiverFile,*' -ExpectedMessage '*bad.waivers.yaml:3:*esx-9.no-such-control*'
        { Get-ComplianceWaiver -Path $bad } | Should -Throw -ErrorId 'InvalidWaiverFile,*'
    }

    It 'files the waiver file in the evidence bundle and puts a register in the report' {
        $bundle = Join-Path $TestDrive 'waived-bundle'
        $files = Save-ComplianceEvidence -Inventory $inv -Path $bundle -Waiver $waivers -Confirm:$false -WarningAction SilentlyContinue
        $files.Name | Should -Contain 'waivers.yaml'
        $files.Name | Should -Contain 'waiver-status.json'
        Test-ComplianceEvidence -Path $bundle -Quiet | Should -BeTrue
        $html = Get-HostControlDrift -Inventory $inv -Waiver $waivers -WarningAction SilentlyContinue |
            Export-ComplianceReport -Path (Join-Path $TestDrive 'waived.html') -Inventory $inv -Waiver $waivers -Confirm:$false
        $page = Get-Content -Raw $html.FullName
        $page | Should -Match 'id="waivers"'
        $page | Should -Match 'WVR-2024-017'
    }
}

Describe 'Invoke-NightlyCompliance.ps1 (the scheduled job, as pwsh -NonInteractive -File runs it)' {
    BeforeAll {
        $script = Join-Path $moduleFolder 'samples/Invoke-NightlyCompliance.ps1'
        $pwsh = [Environment]::ProcessPath
        # Under "dotnet pwsh" the process is dotnet running the tool's pwsh.dll: run that same dll.
        $pwshArgs = @(if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
        function Invoke-Job([string[]] $Arguments) {
            # stdin is closed: a prompt would fail rather than wait.
            $out = '' | & $pwsh @pwshArgs -NoProfile -NonInteractive -File $script -ModulePath $ModulePath @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
        $root = Join-Path $TestDrive 'evidence'
        # The next night: one hardened CDE VM left (an estate with no CDE VM would fail: it tests nothing),
        # its cluster's weak host in maintenance mode, collected a day later.
        $json = Get-Content -Raw $samplePath | ConvertFrom-Json -AsHashtable
        $json.vms = @($json.vms | Where-Object { $_.name -eq 'pay-kms-01' })
        ($json.hosts | Where-Object { $_.name -eq 'esx-pay-03.lab.local' }).inMaintenanceMode = $true
        foreach ($c in $json.clusters) { $c.vmGroups = @(); $c.rules = @(); $c.drsVmOverrides = @() }
        $json.collectedAt = '2025-06-03T07:00:00Z'
        $nextNight = Join-Path $TestDrive 'next-night.json'
        $json | ConvertTo-Json -Depth 64 | Set-Content -Path $nextNight
    }

    It 'files a verified bundle and exits 1 when the estate fails' {
        $run = Invoke-Job '-InventoryPath', $samplePath, '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Output | Should -Match 'CDE separation \(Strict\): FAILS'
        $bundle = Join-Path $root $inv.CollectedAt.UtcDateTime.ToString('yyyy-MM-ddTHHmmssZ')
        Test-ComplianceEvidence -Path $bundle -Quiet | Should -BeTrue
        Test-Path (Join-Path $bundle 'report.html') | Should -BeTrue
    }

    It 'exits 0 when nothing fails, with a report of the changes since the last bundle' {
        $run = Invoke-Job '-InventoryPath', $nextNight, '-EvidenceRoot', $root, '-FailOnSeverity', 'Never'
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $changes = Join-Path $root '2025-06-03T070000Z-changes.html'
        Test-Path $changes | Should -BeTrue
        Get-Content -Raw $changes | Should -Match 'VmRemoved'
    }

    It 'counts waived results apart and passes them, with -Waiver' {
        $run = Invoke-Job '-InventoryPath', $samplePath, '-EvidenceRoot', (Join-Path $TestDrive 'waived-evidence'), '-Waiver', (Join-Path $moduleFolder 'samples/pci-lab.waivers.yaml')
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Output | Should -Match 'waived: 2\)'
    }

    It 'exits 2 with the reason on stderr when the job itself fails, and never prompts' {
        $run = Invoke-Job '-InventoryPath', (Join-Path $TestDrive 'missing.json'), '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match 'missing.json'
        $run = Invoke-Job '-Server', '127.0.0.1:9', '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match 'cannot be asked for a password'
    }

    It 'exits 2 naming the server when it cannot be reached, without printing the password' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()   # a free port nobody listens on
        $secret = 'pw-' + [guid]::NewGuid().ToString('N')
        $credentialPath = Join-Path $TestDrive 'reader.xml'
        [pscredential]::new('reader', (ConvertTo-SecureString $secret -AsPlainText -Force)) | Export-Clixml -Path $credentialPath
        if (-not $IsWindows) { [System.IO.File]::SetUnixFileMode($credentialPath, [System.IO.UnixFileMode] 'UserRead, UserWrite') }
        $run = Invoke-Job '-Server', "127.0.0.1:$port", '-CredentialPath', $credentialPath, '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match "127\.0\.0\.1:$port"
        $run.Output | Should -Not -Match $secret
    }

    It 'exits 2, never 1, for <Case>, and files nothing' -ForEach @(
        @{ Case = 'a mistyped parameter name'; Arguments = @('-InventoryPth', 'snapshot.json', '-EvidenceRoot', 'ROOT'); Says = "parameter name 'InventoryPth'" }
        @{ Case = 'a value outside its set'; Arguments = @('-InventoryPath', 'SAMPLE', '-EvidenceRoot', 'ROOT', '-Interpretation', 'Lenient'); Says = "parameter 'Interpretation'" }
        @{ Case = 'a parameter without its value'; Arguments = @('-InventoryPath', 'SAMPLE', '-EvidenceRoot', 'ROOT', '-FailOnSeverity'); Says = "parameter 'FailOnSeverity'" }
        @{ Case = 'a required parameter left out'; Arguments = @('-InventoryPath', 'SAMPLE'); Says = '-EvidenceRoot' }
        @{ Case = 'no parameter at all'; Arguments = @(); Says = '-EvidenceRoot' }
        @{ Case = 'a server and a snapshot at once'; Arguments = @('-Server', '127.0.0.1:9', '-InventoryPath', 'SAMPLE', '-EvidenceRoot', 'ROOT'); Says = 'Parameter set cannot be resolved' }
        @{ Case = 'a stray argument'; Arguments = @('-InventoryPath', 'SAMPLE', '-EvidenceRoot', 'ROOT', 'tonight'); Says = "argument 'tonight'" }
        @{ Case = 'two credentials'; Arguments = @('-Server', '127.0.0.1:9', '-CredentialPath', 'x.xml', '-CredentialSecret', 'x', '-EvidenceRoot', 'ROOT'); Says = 'Give one credential' }
    ) {
        $evidence = Join-Path $TestDrive ("bad-" + [guid]::NewGuid().ToString('N'))
        $arguments = $Arguments | ForEach-Object { if ($_ -eq 'ROOT') { $evidence } elseif ($_ -eq 'SAMPLE') { $samplePath } else { $_ } }
        $run = Invoke-Job $arguments
        $run.ExitCode | Should -Be 2 -Because "$Case is a failure of the job, not of the estate: $($run.Output)"
        $run.Output | Should -Match ([regex]::Escape($Says))
        $run.Output | Should -Match '^Invoke-NightlyCompliance: '
        Test-Path $evidence | Should -BeFalse
    }

    It 'refuses a credential file that other users can read, naming its mode (Linux: Export-Clixml does not encrypt there)' {
        if ($IsWindows) {
            # Windows protects an Export-Clixml file with DPAPI and has no Unix mode bits: the check is not made there.
            Set-ItResult -Skipped -Because 'Windows protects an Export-Clixml credential with DPAPI; the mode check applies to Linux and macOS'
            return
        }
        $secret = 'pw-' + [guid]::NewGuid().ToString('N')
        $credentialPath = Join-Path $TestDrive 'shared-reader.xml'
        [pscredential]::new('reader', (ConvertTo-SecureString $secret -AsPlainText -Force)) | Export-Clixml -Path $credentialPath
        # The reason this matters: the password is in the file, hex-encoded.
        $hex = -join ([System.Text.Encoding]::Unicode.GetBytes($secret) | ForEach-Object { $_.ToString('x2') })
        Get-Content -Raw $credentialPath | Should -Match $hex
        foreach ($mode in 'UserRead, UserWrite, GroupRead', 'UserRead, UserWrite, OtherRead', 'UserRead, UserWrite, OtherWrite') {
            [System.IO.File]::SetUnixFileMode($credentialPath, [System.IO.UnixFileMode] $mode)
            $run = Invoke-Job '-Server', '127.0.0.1:9', '-CredentialPath', $credentialPath, '-EvidenceRoot', $root
            $run.ExitCode | Should -Be 2
            $run.Output | Should -Match 'open to other users \(mode -rw'
            $run.Output | Should -Match 'chmod 600'
            $run.Output | Should -Not -Match $secret
        }
        # Its owner's alone, it is read, and the job goes on to the server.
        [System.IO.File]::SetUnixFileMode($credentialPath, [System.IO.UnixFileMode] 'UserRead, UserWrite')
        $run = Invoke-Job '-Server', '127.0.0.1:9', '-CredentialPath', $credentialPath, '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Not -Match 'open to other users'
        $run.Output | Should -Match '127\.0\.0\.1:9'
    }

    It 'exits 2 saying to install Microsoft.PowerShell.SecretManagement when -CredentialSecret cannot be read' {
        if (Get-Module -ListAvailable -Name Microsoft.PowerShell.SecretManagement) {
            Set-ItResult -Skipped -Because 'Microsoft.PowerShell.SecretManagement is installed on this machine; this test is about one without it'
            return
        }
        $run = Invoke-Job '-Server', '127.0.0.1:9', '-CredentialSecret', 'vcsa-reader', '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match 'Microsoft\.PowerShell\.SecretManagement, which is not installed'
        $run.Output | Should -Match 'Set-Secret -Name vcsa-reader'
    }
}
