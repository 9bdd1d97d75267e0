# Pester tests of the live-server cmdlets against the vCenter simulator (out/vcsim/vcsim, built by
# build.ps1 Vcsim) on 127.0.0.1 and a free port. Each Describe starts its own simulator and stops it
# in AfterAll, pass or fail; the simulator also exits when this process closes its stdin.
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeAll {
    Import-Module $ModulePath -Force
    . (Join-Path $PSScriptRoot 'VcsimHelpers.ps1')
}

Describe 'Connect-VirtServer and Get-VirtInventory' {
    BeforeAll { $sim = Start-Vcsim }
    AfterAll {
        Get-Variable -Name DefaultVirtServer, DefaultVirtServers -Scope Global -ErrorAction SilentlyContinue | Remove-Variable -Scope Global
        Stop-Vcsim $sim
    }

    It 'refuses the self-signed certificate without -SkipCertificateCheck, naming the thumbprint' {
        { Connect-VirtServer -Server $sim.Url -Credential $sim.Credential } |
            Should -Throw -ErrorId 'CertificateNotTrusted,*' -ExpectedMessage "*$($sim.Thumbprint)*"
    }

    It 'refuses a wrong password with one clear error that does not show it' {
        $wrong = [pscredential]::new('vc-admin', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        $err = { Connect-VirtServer -Server $sim.Url -Credential $wrong -SkipCertificateCheck } | Should -Throw -ErrorId 'InvalidLogin,*' -PassThru
        $err.ToString() | Should -Not -Match 'not-the-password'
    }

    It 'connects with a pinned thumbprint and becomes the default' {
        $c = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -CertificateThumbprint $sim.Thumbprint
        $c.IsConnected | Should -BeTrue
        $c.CertificateThumbprint | Should -Be $sim.Thumbprint
        $global:DefaultVirtServer | Should -Be $c
        ($c | Out-String) | Should -Not -Match ([regex]::Escape($sim.Credential.GetNetworkCredential().Password))
    }

    It 'collects an inventory that round-trips through a snapshot' {
        $inv = Get-VirtInventory
        $inv.Hosts.Count | Should -BeGreaterThan 1
        $inv.Vms.Count | Should -BeGreaterThan 1
        $file = Join-Path $TestDrive 'live.json'
        $inv | Export-VirtInventory -Path $file | Out-Null
        $back = Import-VirtInventory -Path $file
        $back.Sha256 | Should -Be $inv.Sha256
        (Get-Content $file -Raw) | Should -Not -Match ([regex]::Escape($sim.Credential.GetNetworkCredential().Password))
    }

    It 'lets analysis cmdlets collect from the default connection' {
        $drift = Get-HostControlDrift -Baseline pci-dss -WarningAction SilentlyContinue
        $drift | Should -Not -BeNullOrEmpty
        Test-PciSeparation -Quiet -WarningAction SilentlyContinue | Should -BeOfType [bool]
        (Get-PciScope -ObjectType Host -WarningAction SilentlyContinue).Count | Should -Be (Get-VirtInventory).Hosts.Count
    }

    It 'reads installed packages unless told not to' {
        (Get-VirtInventory).Hosts[0].Packages.Name | Should -Contain 'acme-ids-sensor'
        (Get-VirtInventory -SkipSoftware).Hosts | ForEach-Object { $_.Packages | Should -BeNullOrEmpty }
    }

    It 'collects only the clusters asked for' {
        $all = Get-VirtInventory
        $cluster = $all.Clusters[0]
        $one = Get-VirtInventory -Cluster $cluster.Name
        $one.Clusters.Name | Should -Be $cluster.Name
        $one.Hosts | ForEach-Object { $_.ClusterId | Should -Be $cluster.Id }
    }

    It 'says so when -Cluster names no cluster, instead of returning an empty, clean inventory' {
        $none = Get-VirtInventory -Cluster 'no-such-cluster' -SkipSoftware -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -Be 'ClusterNotFound,VirtCompliance.PowerShell.Cmdlets.GetVirtInventoryCommand'
        $problems[0].Exception.Message | Should -Match "no cluster named 'no-such-cluster'"
        $none.Hosts | Should -BeNullOrEmpty
        { Get-VirtInventory -Cluster 'no-such-cluster' -SkipSoftware -ErrorAction Stop } | Should -Throw -ErrorId 'ClusterNotFound,*'
    }

    It 'refuses plain http unless asked, and a password in the server URL without showing it' {
        $http = $sim.Url -replace '^https:', 'http:'
        { Connect-VirtServer -Server $http -Credential $sim.Credential -NotDefault } | Should -Throw -ExpectedMessage '*-AllowInsecureHttp*'
        $withPassword = $sim.Url -replace '^https://', 'https://vc-admin:hunter2-Secret@'
        $err = { Connect-VirtServer -Server $withPassword -Credential $sim.Credential -NotDefault -Verbose 4>&1 } | Should -Throw -ErrorId 'InvalidServer,*' -PassThru
        ($err | Out-String) + $err.TargetObject | Should -Not -Match 'hunter2-Secret'
    }

    It 'disconnects and then says how to get an inventory' {
        Disconnect-VirtServer -Confirm:$false
        $global:DefaultVirtServer | Should -BeNullOrEmpty
        { Get-HostControlDrift } | Should -Throw -ErrorId 'NoInventory,*' -ExpectedMessage '*Connect-VirtServer*'
    }
}

Describe 'Tab completion and -Baseline with a connection' {
    BeforeAll {
        $sim = Start-Vcsim
        $server = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck
        function Complete([string] $line) { @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) }
    }
    AfterAll {
        if ($server) { Disconnect-VirtServer -Server $server -Confirm:$false }
        Get-Variable -Name DefaultVirtServer -Scope Global -ErrorAction SilentlyContinue | Remove-Variable -Scope Global
        Stop-Vcsim $sim
    }

    It 'offers no names before anything was collected: a Tab press never starts a collection' {
        Complete 'Get-HostControlDrift -Cluster DC0' | Should -BeNullOrEmpty
        Complete 'Get-VirtInventory -Cluster DC0' | Should -BeNullOrEmpty
    }

    It 'completes -Cluster, -VMHost and -Vm from what the default connection last collected' {
        $inv = Get-VirtInventory -SkipSoftware -SkipEsxCli
        $cluster = $inv.Clusters[0].Name
        Complete 'Get-HostControlDrift -Cluster DC0' | Should -Be @($inv.Clusters.Name | Sort-Object)
        Complete 'Get-VirtInventory -Cluster DC0_C' | Should -Contain $cluster
        Complete 'Get-HostControlDrift -VMHost DC0_C0_H' | Should -Be @($inv.Hosts.Name | Where-Object { $_ -like 'DC0_C0_H*' } | Sort-Object)
        Complete 'Get-VmControlDrift -Vm DC0_C0_RP0_VM' | Should -Be @($inv.Vms.Name | Where-Object { $_ -like 'DC0_C0_RP0_VM*' } | Sort-Object)
        Complete 'Get-VmControlDrift -Server $server -Vm DC0_H0_VM' | Should -Be @($inv.Vms.Name | Where-Object { $_ -like 'DC0_H0_VM*' } | Sort-Object)
    }

    It 'plans a repair the same for a baseline object as for its name (<_>)' -ForEach 'Repair-HostControlDrift', 'Repair-NetworkControlDrift', 'Repair-VmControlDrift', 'Repair-VCenterControlDrift' {
        $scg = Get-ComplianceBaseline scg
        $byObject = @(& $_ -Baseline $scg -ControlId * -WhatIf -WarningAction SilentlyContinue 6>$null)
        $byName = @(& $_ -Baseline scg -ControlId * -WhatIf -WarningAction SilentlyContinue 6>$null)
        ($byObject | ConvertTo-Csv) -join "`n" | Should -BeExactly (($byName | ConvertTo-Csv) -join "`n")
        if ($_ -eq 'Repair-HostControlDrift') { $byName.Count | Should -BeGreaterThan 0 }
    }
}

Describe 'A server that dies during collection' {
    BeforeAll { $sim = Start-Vcsim }
    AfterAll { Stop-Vcsim $sim }

    It 'stops with a clear error and writes no snapshot file' {
        $c = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck -NotDefault
        Stop-Vcsim $sim
        $file = Join-Path $TestDrive 'never.json'
        { Get-VirtInventory -Server $c | Export-VirtInventory -Path $file } | Should -Throw -ErrorId 'ServerUnreachable,*'
        Test-Path $file | Should -BeFalse
        Get-ChildItem $TestDrive | Should -BeNullOrEmpty
    }
}

Describe 'Invoke-VmFirewallPolicy' {
    BeforeAll {
        $sim = Start-Vcsim
        $server = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck -NotDefault
        $policy = Join-Path $TestDrive 'lab.policy.yaml'
        Set-Content $policy @"
name: lab-fw
failureMode: closed
groups:
  app: { name: 'DC0_C0*' }
  admin: { cidrs: [10.1.0.0/16] }
rules:
  - { name: admin-ssh, from: admin, to: app, protocol: tcp, ports: [22], action: allow }
"@
        function Get-OwnFilters { (Get-VirtInventory -Server $server -SkipSoftware).Vms.Nics | Where-Object PortFilter }
    }
    AfterAll {
        if ($server) { Disconnect-VirtServer -Server $server -Confirm:$false }
        Stop-Vcsim $sim
    }

    It 'plans with -WhatIf and changes nothing on the server' {
        $plan = Invoke-VmFirewallPolicy -Policy $policy -Server $server -WhatIf
        @($plan | Where-Object Action -eq 'Add').Count | Should -BeGreaterThan 0
        $plan | ForEach-Object { $_.Applied | Should -BeFalse }
        Get-OwnFilters | Should -BeNullOrEmpty
    }

    It 'applies the policy to each protected port and says which ones changed' {
        $applied = Invoke-VmFirewallPolicy -Policy $policy -Server $server -Confirm:$false
        @($applied | Where-Object Kind).Count | Should -Be 3
        $applied | Where-Object Kind | ForEach-Object { $_.Applied | Should -BeTrue }
        $added = @($applied | Where-Object { $_.Action -eq 'Add' -and -not $_.Kind })
        $added.Count | Should -BeGreaterThan 0
        $added | ForEach-Object { $_.Applied | Should -BeTrue }
        $filters = @(Get-OwnFilters)
        $filters.Count | Should -Be $added.Count
        $filters | ForEach-Object { $_.PortFilter.OnFailure | Should -Be 'failClosed' }
    }

    It 'keeps the protected VMs on capable hosts with its own DRS groups and mandatory rule (fail closed)' {
        $cluster = (Get-VirtInventory -Server $server -SkipSoftware).Clusters | Where-Object { $_.VmGroups.Name -contains 'vc-fw-lab-fw-vms' }
        $cluster | Should -Not -BeNullOrEmpty
        $rule = $cluster.Rules | Where-Object Name -eq 'vc-fw-lab-fw-keep-on-capable-hosts'
        $rule.Mandatory | Should -BeTrue
        $rule.AffineHostGroup | Should -Be 'vc-fw-lab-fw-hosts'
        ($cluster.HostGroups | Where-Object Name -eq 'vc-fw-lab-fw-hosts').Members | Should -Not -BeNullOrEmpty
    }

    It 'changes nothing on a second run' {
        Invoke-VmFirewallPolicy -Policy $policy -Server $server -Confirm:$false | Should -BeNullOrEmpty
        $again = Invoke-VmFirewallPolicy -Policy $policy -Server $server -PassThru -Confirm:$false
        $again | ForEach-Object { $_.Action | Should -Be 'NoChange' }
        @($again | Where-Object Kind).Count | Should -Be 3
    }

    It 'finds every protected port enforcing the policy, and shows its rules' {
        Test-VmFirewallPolicy -Policy $policy -Server $server | Should -BeNullOrEmpty
        Test-VmFirewallPolicy -Policy $policy -Server $server -Quiet | Should -BeTrue
        $enforced = Test-VmFirewallPolicy -Policy $policy -Server $server -PassThru
        $enforced | ForEach-Object { $_.Status | Should -Be 'Enforced' }
        $rules = Get-VmFirewallPolicy -Server $server -Vm $enforced[0].Vm
        $rules | ForEach-Object { $_.Origin | Should -Be 'Port' }
        ($rules | Where-Object Description -eq 'lab-fw/admin-ssh').From | Should -Be '10.1.0.0/16'
        ($rules | Out-String -Width 120) | Should -Match 'port \d+, port filter, failClosed'
    }

    It 'reports a port whose filter was changed behind its back' {
        $other = Join-Path $TestDrive 'other.policy.yaml'
        (Get-Content $policy -Raw) -replace 'ports: \[22\]', 'ports: [2222]' | Set-Content $other
        $different = Test-VmFirewallPolicy -Policy $other -Server $server
        $different | ForEach-Object { $_.Status | Should -Be 'Different' }
        ($different[0].Diff -join "`n") | Should -Match '(?m)^\+ .* port 2222 \[lab-fw/admin-ssh\]$'
        ($different[0].Diff -join "`n") | Should -Match '(?m)^- .* port 22 \[lab-fw/admin-ssh\]$'
        Test-VmFirewallPolicy -Policy $other -Server $server -Quiet | Should -BeFalse
    }

    It 'refuses a policy naming an unknown group, at its line' {
        $bad = Join-Path $TestDrive 'bad.policy.yaml'
        Set-Content $bad "name: bad`nrules:`n  - { name: r, from: any, to: nosuch, action: allow }"
        { Invoke-VmFirewallPolicy -Policy $bad -Server $server -WhatIf } | Should -Throw -ErrorId 'InvalidPolicy,*' -ExpectedMessage "*bad.policy.yaml:3:*nosuch*"
    }

    It 'plans a snapshot but will not pretend to change it' {
        $inv = Get-VirtInventory -Server $server -SkipSoftware
        { Invoke-VmFirewallPolicy -Policy $policy -Inventory $inv -FailureMode Open } | Should -Throw -ErrorId 'SnapshotCannotBeChanged,*'
        (Invoke-VmFirewallPolicy -Policy $policy -Inventory $inv -FailureMode Open -WhatIf | Where-Object Action -eq 'Update') | Should -Not -BeNullOrEmpty
    }
}

Describe 'Remove-VmFirewallPolicy' {
    BeforeAll {
        $sim = Start-Vcsim
        $server = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck -NotDefault
        $policy = Join-Path $TestDrive 'lab.policy.yaml'
        Set-Content $policy @"
name: lab-fw
failureMode: open
groups:
  app: { name: 'DC0_C0*' }
  admin: { cidrs: [10.1.0.0/16] }
rules:
  - { name: admin-ssh, from: admin, to: app, protocol: tcp, ports: [22], action: allow }
"@
        function Get-PolicyPorts {
            (Get-VirtInventory -Server $server -SkipSoftware).Vms | Where-Object { $_.Nics.PortFilter.Rules.Description -like 'lab-fw/*' } | ForEach-Object Name | Sort-Object
        }
        $null = Invoke-VmFirewallPolicy -Policy $policy -Server $server -Confirm:$false -WarningAction SilentlyContinue
    }
    AfterAll {
        if ($server) { Disconnect-VirtServer -Server $server -Confirm:$false }
        Stop-Vcsim $sim
    }

    It 'lists with -WhatIf the ports it would take the policy off, and changes nothing' {
        Get-PolicyPorts | Should -Be 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1'
        $plan = Remove-VmFirewallPolicy -Policy $policy -Server $server -WhatIf
        $plan.Vm | Sort-Object | Should -Be 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1'
        $plan | ForEach-Object { $_.Action | Should -Be 'Remove'; $_.Applied | Should -BeFalse; $_.Diff | Should -Match '^- .*\[lab-fw/' }
        Get-PolicyPorts | Should -Be 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1'
    }

    It 'takes nothing off for empty pipeline input, and only the VMs piped in otherwise' {
        @() | Remove-VmFirewallPolicy -Policy $policy -Server $server -Confirm:$false | Should -BeNullOrEmpty
        Get-PolicyPorts | Should -Be 'DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1'
        ('DC0_C0_RP0_VM1' | Remove-VmFirewallPolicy -Policy $policy -Server $server -WhatIf).Vm | Should -Be 'DC0_C0_RP0_VM1'
        $removed = Test-VmFirewallPolicy -Policy $policy -Server $server -PassThru -WarningAction SilentlyContinue | Where-Object Vm -eq 'DC0_C0_RP0_VM0' |
            Remove-VmFirewallPolicy -Policy $policy -Server $server -Confirm:$false
        $removed.Vm | Should -Be 'DC0_C0_RP0_VM0'
        $removed.Applied | Should -BeTrue
        Get-PolicyPorts | Should -Be 'DC0_C0_RP0_VM1'
    }

    It 'shows each port in a table and what it kept in the list view' {
        $table = Remove-VmFirewallPolicy -Policy $policy -Server $server -WhatIf | Out-String -Width 120
        $table | Should -Match 'Vm\s+Nic\s+Switch\s+PortKey\s+Action\s+RuleCount\s+Applied\s+Diff'
        $table | Should -Match 'DC0_C0_RP0_VM1\s.*\sRemove\s+0\s+False\s+\d+ lines'
        Remove-VmFirewallPolicy -Policy $policy -Server $server -WhatIf | Format-List | Out-String -Width 120 | Should -Match 'KeptFilters'
    }

    It 'takes a policy off by its name when the file is gone' {
        $removed = Remove-VmFirewallPolicy -PolicyName lab-fw -Server $server -Confirm:$false
        $removed.Vm | Should -Be 'DC0_C0_RP0_VM1'
        $removed.Applied | Should -BeTrue
        $removed.Message | Should -Match '^removed; no other filter on the port'
        Get-PolicyPorts | Should -BeNullOrEmpty
        Remove-VmFirewallPolicy -PolicyName lab-fw -Server $server -Confirm:$false | Should -BeNullOrEmpty
    }

    It 'names a VM it does not know' {
        Remove-VmFirewallPolicy -Policy $policy -Server $server -Vm nosuch-vm -WhatIf -ErrorVariable notFound -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $notFound[0].FullyQualifiedErrorId | Should -BeLike 'VmNotFound,*'
        $notFound[0].TargetObject | Should -Be 'nosuch-vm'
    }

    It 'needs a connection, and says how to get one' {
        Get-Variable -Name DefaultVirtServer, DefaultVirtServers -Scope Global -ErrorAction SilentlyContinue | Remove-Variable -Scope Global
        { Remove-VmFirewallPolicy -Policy $policy -Confirm:$false } | Should -Throw -ErrorId 'NotConnected,*'
    }

    It 'asks before each port (ConfirmImpact High), and its help and Invoke-VmFirewallPolicy''s say so' {
        foreach ($name in 'Remove-VmFirewallPolicy', 'Invoke-VmFirewallPolicy') {
            $attribute = (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
            $attribute.ConfirmImpact | Should -Be 'High'
            (Get-Help $name -Examples | Out-String -Width 200) | Should -Match '\[Y\] Yes \[A\] Yes to All'
        }
    }
}

Describe 'Invoke-NightlyCompliance.ps1 with its credential from SecretManagement' {
    BeforeAll {
        $sim = Start-Vcsim
        $script = Join-Path (Split-Path $ModulePath) 'samples/Invoke-NightlyCompliance.ps1'
        $pwsh = [Environment]::ProcessPath
        # Under "dotnet pwsh" the process is dotnet running the tool's pwsh.dll: run that same dll.
        $pwshArgs = @(if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })

        # A stand-in for Microsoft.PowerShell.SecretManagement (not installed here): a module of that name
        # whose Get-Secret records the name asked for and answers from this test's own table.
        $modules = Join-Path $TestDrive 'modules'
        $standIn = Join-Path $modules 'Microsoft.PowerShell.SecretManagement'
        $null = New-Item -ItemType Directory -Path $standIn
        Set-Content (Join-Path $standIn 'Microsoft.PowerShell.SecretManagement.psm1') @'
function Get-Secret {
    param([Parameter(Mandatory)] [string] $Name, [string] $Vault)
    Add-Content -Path $env:STANDIN_SECRET_LOG -Value $Name
    switch ($Name) {
        'vcsa-reader' { [pscredential]::new($env:STANDIN_SECRET_USER, (ConvertTo-SecureString $env:STANDIN_SECRET_PASSWORD -AsPlainText -Force)) }
        'vcsa-wrong' { [pscredential]::new($env:STANDIN_SECRET_USER, (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force)) }
        'api-token' { 'a plain string, not a credential' }
        default { throw "Get-Secret: A secret with name $Name was not found." }
    }
}
'@
        New-ModuleManifest -Path (Join-Path $standIn 'Microsoft.PowerShell.SecretManagement.psd1') -RootModule 'Microsoft.PowerShell.SecretManagement.psm1' -ModuleVersion '1.1.2' -FunctionsToExport 'Get-Secret'
        $log = Join-Path $TestDrive 'get-secret.log'

        function Invoke-Job([string[]] $Arguments) {
            $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
            foreach ($a in @($pwshArgs) + @('-NoProfile', '-NonInteractive', '-File', $script, '-ModulePath', $ModulePath) + $Arguments) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
            # The stand-in module comes first on the job's module path; the secrets it hands out, from the environment.
            $psi.Environment['PSModulePath'] = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
            $psi.Environment['STANDIN_SECRET_LOG'] = $log
            $psi.Environment['STANDIN_SECRET_USER'] = $sim.Credential.UserName
            $psi.Environment['STANDIN_SECRET_PASSWORD'] = $sim.Credential.GetNetworkCredential().Password
            $psi.Environment['NO_COLOR'] = '1'
            $process = [System.Diagnostics.Process]::Start($psi)
            try {
                $process.StandardInput.Close()   # a prompt would fail rather than wait
                $stdout = $process.StandardOutput.ReadToEndAsync(); $stderr = $process.StandardError.ReadToEndAsync()
                if (-not $process.WaitForExit(300000)) { throw 'the nightly job did not end' }
                [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result + $stderr.Result }
            }
            finally { if (-not $process.HasExited) { $process.Kill($true) } }
        }
    }
    AfterAll { Stop-Vcsim $sim }

    It 'reads the credential with Get-Secret -Name, collects and files a verified bundle' {
        Remove-Item $log -ErrorAction SilentlyContinue
        $root = Join-Path $TestDrive 'evidence'
        $run = Invoke-Job '-Server', ([uri] $sim.Url).Authority, '-CertificateThumbprint', $sim.Thumbprint, '-CredentialSecret', 'vcsa-reader', '-EvidenceRoot', $root, '-FailOnSeverity', 'Never', '-AllowNotEvaluated'
        Get-Content $log | Should -Be 'vcsa-reader'
        $run.ExitCode | Should -BeIn 0, 1 -Because $run.Output
        $run.Output | Should -Match 'evidence: '
        $run.Output | Should -Not -Match ([regex]::Escape($sim.Credential.GetNetworkCredential().Password))
        $bundle = @(Get-ChildItem -Directory $root)
        $bundle.Count | Should -Be 1
        Test-ComplianceEvidence -Path $bundle[0].FullName -Quiet | Should -BeTrue
        (Get-Content -Raw (Join-Path $bundle[0].FullName 'manifest.json') | ConvertFrom-Json).source | Should -Match '127\.0\.0\.1'
    }

    It 'exits 2 for the secret <Name> (missing, wrong or not a credential) and files nothing' -ForEach @(
        @{ Name = 'nosuch'; Says = 'nosuch was not found' }
        @{ Name = 'vcsa-wrong'; Says = 'InvalidLogin' }
        @{ Name = 'api-token'; Says = "secret 'api-token' is a String, not a credential" }
    ) {
        $root = Join-Path $TestDrive "evidence-$Name"
        $run = Invoke-Job '-Server', ([uri] $sim.Url).Authority, '-CertificateThumbprint', $sim.Thumbprint, '-CredentialSecret', $Name, '-EvidenceRoot', $root
        $run.ExitCode | Should -Be 2 -Because $run.Output
        $run.Output | Should -Match ([regex]::Escape($Says))
        $run.Output | Should -Not -Match ([regex]::Escape($sim.Credential.GetNetworkCredential().Password))
        @(Get-ChildItem $root -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
}

Describe 'Two vCenters at once, as an administrator types it' {
    BeforeAll {
        $a = Start-Vcsim
        $b = Start-Vcsim
        $nameA = ([uri]$a.Url).Authority
        $nameB = ([uri]$b.Url).Authority
    }
    AfterAll {
        Get-Variable -Name DefaultVirtServer, DefaultVirtServers -Scope Global -ErrorAction SilentlyContinue | Remove-Variable -Scope Global
        Stop-Vcsim $a
        Stop-Vcsim $b
    }

    It 'keeps both connections as defaults and collects both in one call' {
        $null = Connect-VirtServer -Server $a.Url -Credential $a.Credential -SkipCertificateCheck
        $null = Connect-VirtServer -Server $b.Url -Credential $b.Credential -SkipCertificateCheck
        @($global:DefaultVirtServers).Count | Should -Be 2
        $invs = @(Get-VirtInventory)
        $invs.Count | Should -Be 2
        ($invs.VCenter.Name | Sort-Object) | Should -Be (@($nameA, $nameB) | Sort-Object)
    }

    It 'takes -Server as names, and keeps the two clusters of one name apart' {
        $drift = @(Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass -Server $nameA, $nameB)
        ($drift.VCenter | Sort-Object -Unique) | Should -Be (@($nameA, $nameB) | Sort-Object)
        $summaries = @(Test-PciSeparation -Summary | Where-Object Cluster -eq 'DC0_C0')
        $summaries.Count | Should -Be 2
        ($summaries.VCenter | Sort-Object) | Should -Be (@($nameA, $nameB) | Sort-Object)
        @(Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass -Server $nameA | Where-Object VCenter -ne $nameA).Count | Should -Be 0
    }

    It 'writes one report naming both vCenters' {
        $invs = Get-VirtInventory
        $report = Join-Path $TestDrive 'estate.html'
        Get-HostControlDrift -Baseline scg -ControlId esx-9.ssh -IncludePass | Export-ComplianceReport -Path $report -Inventory $invs
        $html = Get-Content -Raw $report
        $html | Should -Match ([regex]::Escape("DC0_C0 ($nameA)"))
        $html | Should -Match ([regex]::Escape("DC0_C0 ($nameB)"))
    }

    It 'asks which server a change goes to' {
        { Repair-HostControlDrift -Baseline scg -ControlId esx-9.ssh -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'SeveralServers,*'
    }
}
