# Every example of every cmdlet's help (Get-Help <cmdlet> -Examples), run as written: against the bundled
# sample lab ($inv) and, where an example needs a connection, the vCenter simulator as the default
# connection, each in a folder of its own holding the files the examples name. An example that cannot
# run here is listed below with the reason, which the run prints.
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeDiscovery {
    Import-Module $ModulePath -Force
    $examples = foreach ($command in Get-Command -Module VirtCompliance | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Examples).Examples.Example) {
            $number++
            @{ Command = $command.Name; Number = $number; Code = ($example.Code | Out-String).Trim() }
        }
    }
}

BeforeAll {
    Import-Module $ModulePath -Force
    . (Join-Path $PSScriptRoot 'VcsimHelpers.ps1')
    . (Join-Path $PSScriptRoot 'PowerCliFixtures.ps1')
    $moduleFolder = Split-Path $ModulePath
    $samples = Join-Path $moduleFolder 'samples'

    # What cannot run here, and why. Each entry must still match an example (a test checks it).
    $cannotRun = @(
        @{ Pattern = 'Connect-VIServer'
            Reason = 'PowerCLI''s Connect-VIServer logs in, and PowerCLI is not installed here (Connect-VirtServer -ViServer is tested with a PowerCLI-shaped session against the simulator: ConnectionReuseTests)' }
        @{ Pattern = '^(?!.*-(SkipCertificateCheck|CertificateThumbprint)).*Connect-VirtServer\s+(-Server\s+)?(?!-)\S'
            Reason = 'it logs in to a vCenter whose certificate a trusted CA signed; the simulator''s certificate is self-signed (the login runs as written in the examples with -SkipCertificateCheck and -CertificateThumbprint)' }
    )
    function Get-WhyNot([string] $code) { ($cannotRun | Where-Object { $code -replace '\s+', ' ' -match $_.Pattern } | Select-Object -First 1).Reason }

    # Gates that throw when what they guard fails: the sample lab fails them by design, so running as
    # written means throwing the example's own message.
    $gates = @(
        @{ Pattern = "throw 'CDE separation failed'"; Because = 'the sample lab is not separated (pci.mixed-scope-host and more)' }
    )

    # The simulator, shaped like the examples' lab: its cluster is Payments and one of its VMs pay-db-01.
    $sim = Start-Vcsim
    $simAddress = ([uri] $sim.Url).Authority
    $null = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck
    $collected = Get-VirtInventory -SkipSoftware
    Rename-VcsimEntity $sim ClusterComputeResource $collected.Clusters[0].Id 'Payments'
    Rename-VcsimEntity $sim VirtualMachine ($collected.Vms | Where-Object Name -eq 'DC0_C0_RP0_VM0').Id 'pay-db-01'
    # A server name in an example stands for the reader's vCenter: here, the simulator.
    $substitutions = [ordered]@{
        '(Connect-VirtServer\s+(?:-Server\s+)?)(?:vcsa-01(?:\.example\.com)?|127\.0\.0\.1:8989)(?=[\s;]|$)' = "`${1}$simAddress"
        "'AB:CD:\.\.\.'"                                                                                        = "'$($sim.Thumbprint)'"
    }

    # PowerCLI's commands as a PowerCLI session answers them, from a small lab (PowerCliFixtures.ps1).
    $powerCliLab = New-PowerCliLab
    function Get-Cluster { param([string] $Name) $powerCliLab.Cluster | Where-Object Name -like $(if ($Name) { $Name } else { '*' }) }
    function Get-VMHost { param([string] $Name) $powerCliLab.Hosts }
    function Get-VM { param([string] $Name) $powerCliLab.Vms | Where-Object Name -like $(if ($Name) { $Name } else { '*' }) }
    function Get-View { param([object[]] $Id, [string] $ViewType) if ($ViewType -eq 'HostSystem') { return $powerCliLab.HostViews }; foreach ($i in $Id) { $powerCliLab.Views["$i"] } }

    # The files the examples name, as their reader would have them.
    $fixtures = Join-Path $TestDrive 'fixtures'
    $null = New-Item -ItemType Directory (Join-Path $fixtures 'snapshots'), (Join-Path $fixtures 'evidence')
    Copy-Item (Join-Path $samples 'pci-lab.json') (Join-Path $fixtures 'snapshots/vcsa-01.json')
    Copy-Item (Join-Path $samples 'pci-lab.json') (Join-Path $fixtures 'pci-lab.json')
    Copy-Item (Join-Path $samples 'pci-lab.json') (Join-Path $fixtures 'yesterday.json')
    $json = Get-Content -Raw (Join-Path $samples 'pci-lab.json') | ConvertFrom-Json -AsHashtable
    ($json.hosts | Where-Object id -eq 'host-21').lockdownMode = 'lockdownDisabled'
    $json | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $fixtures 'today.json')
    Copy-Item (Join-Path $samples 'pci-lab.waivers.yaml') (Join-Path $fixtures 'waivers.yaml')
    Copy-Item (Join-Path $samples 'pci-lab.scope.json') (Join-Path $fixtures 'scope.json')
    Copy-Item (Join-Path $samples 'pci-lab.policy.yaml') (Join-Path $fixtures 'pci-lab.policy.yaml')
    $inv = Import-VirtInventory (Join-Path $samples 'pci-lab.json')
    $null = New-ComplianceBaseline -Inventory $inv -ReferenceHost esx-pay-01 -Name gold -Path (Join-Path $fixtures 'gold.baseline.json')
    # The policy the connected examples apply: it protects the simulator's pay-db VM.
    Set-Content (Join-Path $fixtures 'cde.policy.yaml') @'
name: cde
failureMode: closed
groups:
  cde-db: { name: 'pay-db-*' }
  admin: { cidrs: [10.30.0.0/24] }
rules:
  - { name: admin-ssh, from: admin, to: cde-db, protocol: tcp, ports: [22], action: allow }
'@
    # The evidence signer's certificate, as an administrator exports it: a .pfx with its key (no password) and the .cer.
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    try {
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Evidence signer', $rsa,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $certificate = $request.CreateSelfSigned([datetimeoffset]'2025-01-01T00:00:00Z', [datetimeoffset]'2035-01-01T00:00:00Z')
        [IO.File]::WriteAllBytes((Join-Path $fixtures 'evidence-signer.pfx'), $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
        [IO.File]::WriteAllBytes((Join-Path $fixtures 'evidence-signer.cer'), $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Cert))
    }
    finally { $rsa.Dispose() }

    # What some examples take as given: the results of an earlier step, made here in the example's folder.
    $before = @{
        'Test-ComplianceEvidence' = {
            $null = Save-ComplianceEvidence -Inventory $inv -Path ./evidence/2026-11-27
            $null = Save-ComplianceEvidence -Inventory $inv -Path ./evidence/2026-11-27-signed -Certificate (Get-PfxCertificate ./evidence-signer.pfx)
        }
        'Undo-ControlRepair'      = {
            # The values a repair found, to put back: whatever still fails the guide on the simulator is repaired once,
            # and each Undo example gets that backup (the -WhatIf one changes nothing, so it stays true for the other).
            if (-not $shared.ContainsKey('RepairBackup')) {
                $null = Get-HostControlDrift -Baseline scg | Where-Object Outcome -eq Fail | Repair-HostControlDrift -BackupPath ./repair-backup.json -Confirm:$false
                if (-not (Test-Path ./repair-backup.json)) { throw 'Setup: the repair changed nothing, so there is no backup to undo.' }
                $shared.RepairBackup = [IO.File]::ReadAllBytes((Resolve-Path ./repair-backup.json))
            }
            [IO.File]::WriteAllBytes((Join-Path (Get-Location) 'repair-backup.json'), $shared.RepairBackup)
        }
        'Disconnect-VirtServer'   = { $lab = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck -NotDefault }
        'Compare-VirtInventory'   = { $old = $collected }
        # A connection kept in a variable, as the example takes it.
        'Remove-VmFirewallPolicy' = { $vc = $global:DefaultVirtServer }
        # The policy in force, as the check expects it (the Remove examples before took it off).
        'Test-VmFirewallPolicy'   = { $null = Invoke-VmFirewallPolicy -Policy ./cde.policy.yaml -Confirm:$false }
    }
    $cred = $sim.Credential
    $shared = @{}
}

AfterAll {
    Get-Variable -Name DefaultVirtServer, DefaultVirtServers -Scope Global -ErrorAction SilentlyContinue | Remove-Variable -Scope Global
    Stop-Vcsim $sim
}

Describe 'The help examples' {
    It 'lists as not runnable, or as a gate that throws, only what matches an example' {
        foreach ($entry in @($cannotRun) + @($gates)) {
            @($examples | Where-Object { $_.Code -replace '\s+', ' ' -match $entry.Pattern }).Count | Should -BeGreaterThan 0 -Because "'$($entry.Pattern)' names an example"
        }
    } -TestCases @(@{ examples = $examples })

    It 'runs <Command> example <Number> as written' -ForEach $examples {
        $why = Get-WhyNot $Code
        if ($why) {
            Write-Host "NOT RUN: $Command example $Number ($Code): $why"
            Set-ItResult -Skipped -Because $why
            return
        }
        $script = $Code
        foreach ($pattern in $substitutions.Keys) { $script = $script -replace $pattern, $substitutions[$pattern] }
        # Each example in a folder of its own, with the default connection it may have closed opened again.
        if (-not ($global:DefaultVirtServer -and $global:DefaultVirtServer.IsConnected)) {
            $null = Connect-VirtServer -Server $sim.Url -Credential $sim.Credential -SkipCertificateCheck
        }
        $folder = Join-Path $TestDrive "$Command-$Number"
        Copy-Item $fixtures $folder -Recurse
        Push-Location $folder
        try {
            # Any error, terminating or not, fails the example; what it writes is formatted as the console would.
            $example = {
                $null = & {
                    $ErrorActionPreference = 'Stop'
                    $WarningPreference = 'SilentlyContinue'
                    # An example that shows the question a change asks (ConfirmImpact High) runs as if answered
                    # "Yes to All": no one is at this prompt. -WhatIf examples still change nothing.
                    $ConfirmPreference = 'None'
                    if ($before.ContainsKey($Command)) { . $before[$Command] }
                    . ([scriptblock]::Create($script))
                } | Out-String -Width 120
            }
            $gate = $gates | Where-Object { $Code.Contains($_.Pattern) } | Select-Object -First 1
            if ($gate) {
                $message = [regex]::Match($gate.Pattern, "throw '(.*)'").Groups[1].Value
                $example | Should -Throw -ExpectedMessage $message -Because $gate.Because
            }
            else { & $example }
        }
        finally { Pop-Location }
    }
}
