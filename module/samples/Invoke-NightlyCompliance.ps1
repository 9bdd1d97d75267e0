<#
.SYNOPSIS
    The nightly compliance job: collect (or read a snapshot), analyse, file an evidence bundle and a
    report of what changed since the last run, and exit non-zero when the estate fails.
.DESCRIPTION
    Meant for a scheduled task, a cron job or a CI/automation runbook, run as
        pwsh -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 ...
    It never prompts: a missing credential or parameter is an error, not a question.

    Into -EvidenceRoot it writes, per run, a folder named after the inventory's collection time
    (UTC, e.g. 2026-11-27T020000Z) holding the evidence bundle of Save-ComplianceEvidence (snapshot,
    result sets, report.html / report.sarif / report.junit.xml, manifest of SHA-256 hashes; written
    whole or not at all) and, when an earlier bundle exists, <time>-changes.html: what changed since
    that bundle (Compare-VirtInventory: hosts and VMs added or removed, VMs moved, controls newly
    failing or passing, scope changes). The bundle is verified after writing.

    Exit codes:
      0  no host, network or VM control drift at or above -FailOnSeverity and no separation finding that fails
         (a result a waiver in force covers, with -Waiver, passes; one whose waiver has expired fails);
         a control or finding that could not be evaluated (the server did not report its data)
         counts as failing unless -AllowNotEvaluated is given;
      1  the estate fails (the counts are printed);
      2  the job itself failed: a mistyped or missing parameter, a value outside its set, an unreachable
         server, a wrong password, a credential that cannot be read or is not private, an unreadable
         snapshot, a folder that exists. The message goes to stderr and no half-written bundle is left.
    The parameters are bound inside the job's own error handling (the script declares none itself and
    hands its arguments to the job), so even a mistyped parameter name exits 2, never 1. A switch is
    given as -AllowNotEvaluated; pwsh -File does not pass the -Switch:$false form through.

    Parameters:
      -Server NAME               the vCenter to collect from (with one of the three credentials below)
      -CredentialSecret NAME     the credential from Microsoft.PowerShell.SecretManagement (Get-Secret -Name NAME),
                                 which must be installed, with a vault the job's account can open without a prompt
      -CredentialPath FILE       or a file written by Get-Credential | Export-Clixml. On Windows, Export-Clixml
                                 encrypts the password with DPAPI for the account that wrote it. On Linux and macOS
                                 it does not: the password is only hex-encoded, readable by anyone who can read the
                                 file, so the job refuses a file that its group or other users may read or write
                                 (chmod 600 it; better, use -CredentialSecret)
      -Credential PSCREDENTIAL   or the credential itself (a runbook's stored credential; not from pwsh -File)
      -CertificateThumbprint T   accept this server certificate thumbprint when no trusted CA signed it
      -InventoryPath FILE        or analyse this snapshot file instead of collecting
      -EvidenceRoot FOLDER       the folder that keeps one bundle per run (required)
      -Baseline NAME|FILE        pci-dss (default), scg, stig or a baseline file
      -Interpretation I          Strict (default) or HypervisorIsolation
      -Policy FILE               a firewall policy whose enforcement to record
      -FailOnSeverity S          the least severe drift that fails the run: Critical, High (default), Medium, Low,
                                 Informational, or Never (drift never fails it)
      -AllowNotEvaluated         results the server gave no data for do not fail the job (still filed and counted)
      -Waiver FILE               a waiver file: failures it covers are Waived (they pass); expired ones fail again
      -ModulePath FILE           the module to use (default: the one this sample ships with)
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 -Server vcsa-01.example.com -CredentialSecret vcsa-reader -EvidenceRoot /srv/evidence
    Nightly from vCenter, with the credential stored once by the task's account: Set-Secret -Name vcsa-reader -Secret (Get-Credential).
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 -InventoryPath ./snapshots/today.json -EvidenceRoot ./evidence -Interpretation HypervisorIsolation -FailOnSeverity Critical
    From a snapshot, under the hypervisor-isolation reading, failing only on critical drift.
.EXAMPLE
    pwsh.exe -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 -Server vcsa-01.example.com -CredentialPath C:\Jobs\vcsa-reader.xml -EvidenceRoot D:\Evidence
    A Windows scheduled task whose account wrote the file with Get-Credential | Export-Clixml (DPAPI-protected for that account).
#>


function Get-JobCredential([pscredential] $Credential, [string] $Path, [string] $Secret) {
    # The one credential given: the job never asks for one.
    $given = @(@{ Credential = [bool] $Credential; CredentialPath = [bool] $Path; CredentialSecret = [bool] $Secret }.GetEnumerator() | Where-Object Value | ForEach-Object { "-$($_.Key)" })
    if ($given.Count -eq 0) { throw 'With -Server, give -CredentialSecret, -CredentialPath or -Credential: a scheduled job cannot be asked for a password.' }
    if ($given.Count -gt 1) { throw "Give one credential, not $($given -join ' and ')." }
    if ($Credential) { return $Credential }
    if ($Secret) {
        if (-not (Get-Module -ListAvailable -Name Microsoft.PowerShell.SecretManagement)) {
            throw "-CredentialSecret reads the credential with Get-Secret from the module Microsoft.PowerShell.SecretManagement, which is not installed for this account: Install-Module Microsoft.PowerShell.SecretManagement (and a vault, e.g. Microsoft.PowerShell.SecretStore), then Set-Secret -Name $Secret -Secret (Get-Credential)."
        }
        Import-Module Microsoft.PowerShell.SecretManagement
        $value = Get-Secret -Name $Secret
        if ($value -isnot [pscredential]) {
            throw "The secret '$Secret' is $(if ($null -eq $value) { 'empty' } else { 'a ' + $value.GetType().Name }), not a credential: store it with Set-Secret -Name $Secret -Secret (Get-Credential)."
        }
        return $value
    }
    $file = Get-Item -LiteralPath $Path
    if ($PSVersionTable.PSEdition -eq 'Core' -and -not $IsWindows) {
        # Off Windows, Export-Clixml does not encrypt: the password is hex-encoded, so the file's mode is all that guards it.
        $others = [System.IO.UnixFileMode] 'GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute'
        $mode = [System.IO.File]::GetUnixFileMode($file.FullName)
        if ($mode -band $others) {
            throw "The credential file $($file.FullName) is open to other users (mode $($file.UnixMode)): on this system Export-Clixml does not encrypt the password, so anyone who can read the file can read it. Restrict it to its owner (chmod 600 '$($file.FullName)'), or store the credential with Microsoft.PowerShell.SecretManagement and use -CredentialSecret."
        }
    }
    $value = Import-Clixml -LiteralPath $file.FullName
    if ($value -isnot [pscredential]) { throw "$($file.FullName) holds no credential: write it with Get-Credential | Export-Clixml -Path '$($file.FullName)'." }
    return $value
}

function Invoke-NightlyComplianceJob {
    # The job's parameters, bound when the script hands its arguments over (inside its error handling).
    [CmdletBinding(DefaultParameterSetName = 'Snapshot')]
    param(
        [Parameter(ParameterSetName = 'Server')] [string] $Server,
        [Parameter(ParameterSetName = 'Server')] [pscredential] $Credential,
        [Parameter(ParameterSetName = 'Server')] [string] $CredentialPath,
        [Parameter(ParameterSetName = 'Server')] [string] $CredentialSecret,
        [Parameter(ParameterSetName = 'Server')] [string] $CertificateThumbprint,
        [Parameter(ParameterSetName = 'Snapshot')] [string] $InventoryPath,
        [string] $EvidenceRoot,
        [string] $Baseline = 'pci-dss',
        [ValidateSet('Strict', 'HypervisorIsolation')] [string] $Interpretation = 'Strict',
        [string] $Policy,
        [ValidateSet('Critical', 'High', 'Medium', 'Low', 'Informational', 'Never')] [string] $FailOnSeverity = 'High',
        [switch] $AllowNotEvaluated,
        [string] $Waiver,
        [string] $ModulePath = (Join-Path $PSScriptRoot '../VirtCompliance.psd1')
    )
    # Checked here rather than made Mandatory: PowerShell would ask for a missing mandatory value in an interactive host.
    if (-not $EvidenceRoot) { throw 'Give -EvidenceRoot: the folder that keeps one bundle per run.' }
    if ($PSCmdlet.ParameterSetName -eq 'Server' -and -not $Server) { throw 'Give -Server with the credential parameters (or -InventoryPath for a snapshot).' }
    if ($PSCmdlet.ParameterSetName -eq 'Snapshot' -and -not $InventoryPath) { throw 'Give -Server (to collect from vCenter) or -InventoryPath (a snapshot file).' }

    Import-Module $ModulePath
    if ($PSCmdlet.ParameterSetName -eq 'Server') {
        $Credential = Get-JobCredential -Credential $Credential -Path $CredentialPath -Secret $CredentialSecret
        $connect = @{ Server = $Server; Credential = $Credential; NotDefault = $true }
        if ($CertificateThumbprint) { $connect.CertificateThumbprint = $CertificateThumbprint }
        $connection = Connect-VirtServer @connect
        try { $inv = Get-VirtInventory -Server $connection }
        finally { Disconnect-VirtServer -Server $connection -Confirm:$false }
    }
    else {
        $inv = Import-VirtInventory -Path $InventoryPath
    }

    if (-not (Test-Path $EvidenceRoot)) { New-Item -ItemType Directory -Path $EvidenceRoot | Out-Null }
    $stamp = $inv.CollectedAt.UtcDateTime.ToString('yyyy-MM-ddTHHmmssZ')
    $previous = Get-ChildItem -Path $EvidenceRoot -Directory |
        Where-Object { $_.Name -lt $stamp -and (Test-Path (Join-Path $_.FullName 'manifest.json')) } |
        Sort-Object Name | Select-Object -Last 1

    $bundle = Join-Path $EvidenceRoot $stamp
    $save = @{ Inventory = $inv; Path = $bundle; Baseline = $Baseline; Interpretation = $Interpretation }
    if ($Policy) { $save.Policy = $Policy }
    if ($Waiver) { $save.Waiver = $Waiver }
    $manifest = Join-Path $bundle 'manifest.json'
    $baselineName = if (Test-Path $Baseline) { (Get-ComplianceBaseline -Path $Baseline).Name } else { $Baseline }
    $filed = if (Test-Path $manifest) { Get-Content -Raw $manifest | ConvertFrom-Json }
    # A bundle names the file it was made from (sourceSha256; release 0.1 only inventorySha256).
    $filedSource = if ($filed -and $filed.PSObject.Properties['sourceSha256']) { $filed.sourceSha256 } elseif ($filed) { $filed.inventorySha256 }
    # The waiver file judged with (none: no waivers), so that a re-run with other waivers does not pass off the old bundle.
    $waiverSha = if ($Waiver) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Waiver).Hash.ToLowerInvariant() } else { $null }
    $filedWaiverSha = if ($filed -and $filed.PSObject.Properties['waiversSha256']) { $filed.waiversSha256 } else { $null }
    if ($filed -and ($filedSource -ne $inv.Sha256 -or $filed.interpretation -ne $Interpretation -or $filed.baseline -ne $baselineName -or $filedWaiverSha -ne $waiverSha)) {
        throw "$bundle already holds a bundle for another inventory, baseline, interpretation or waiver file ($($filed.inventorySha256), $($filed.baseline), $($filed.interpretation)); use another -EvidenceRoot."
    }
    if ($filed) {
        # The same inventory was filed before (a re-run on one snapshot): verify that bundle rather than write a second.
        $files = $filed.files
    }
    else {
        $files = Save-ComplianceEvidence @save -Confirm:$false -WarningAction SilentlyContinue
    }
    if (-not (Test-ComplianceEvidence -Path $bundle -Quiet)) { throw "The bundle $bundle does not verify against its own manifest: run Test-ComplianceEvidence -Path '$bundle' for the files." }
    Write-Output "evidence: $bundle ($(@($files).Count) files, inventory SHA-256 $($inv.Sha256))"

    if ($previous) {
        $changes = @(Compare-VirtInventory -Reference (Import-VirtInventory (Join-Path $previous.FullName 'inventory.json')) -Difference $inv -Baseline $Baseline)
        $report = $changes | Export-ComplianceReport -Path (Join-Path $EvidenceRoot "$stamp-changes.html") -Inventory $inv -Title "Changes since $($previous.Name)" -Confirm:$false
        Write-Output "changes since $($previous.Name): $($changes.Count) ($($report.FullName))"
    }

    # The gate, read from the evidence just filed (not analysed again, so the exit code and the bundle
    # cannot disagree): drift at or above the chosen severity, or a separation finding that fails.
    $failing = if ($AllowNotEvaluated) { @('fail') } else { @('fail', 'notEvaluated') }
    # A bundle filed by release 0.1 has no network-control-drift.json, and one from before VM and vCenter controls no vm-control-drift.json or vcenter-control-drift.json.
    $results = @(foreach ($set in 'host-control-drift.json', 'network-control-drift.json', 'vm-control-drift.json', 'vcenter-control-drift.json') {
        $file = Join-Path $bundle $set
        if (Test-Path $file) { Get-Content -Raw $file | ConvertFrom-Json }
    })
    # Waived results (outcome "waived") pass; a result whose waiver has expired is "fail" again.
    $waived = @($results | Where-Object outcome -eq 'waived').Count
    $drift = @($results | Where-Object { $_.outcome -in $failing -and $FailOnSeverity -ne 'Never' -and [VirtCompliance.Controls.Severity] $_.severity -ge [VirtCompliance.Controls.Severity] $FailOnSeverity })
    $notEvaluated = @($results | Where-Object outcome -eq 'notEvaluated').Count
    $separationPasses = -not (Get-Content -Raw (Join-Path $bundle 'pci-separation.json') | ConvertFrom-Json | Where-Object outcome -in $failing)
    Write-Output "host, network, VM and vCenter control drift at or above ${FailOnSeverity}: $($drift.Count) (not evaluated: $notEvaluated$(if ($AllowNotEvaluated) { ', allowed' }); waived: $waived); CDE separation ($Interpretation): $(if ($separationPasses) { 'passes' } else { 'FAILS' })"
    if ($drift.Count -gt 0 -or -not $separationPasses) { exit 1 }
    exit 0
}

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
    # The script declares no parameters: a parameter PowerShell bound here, before any error handling
    # ran, would fail with pwsh's own exit code 1, which this job's callers read as "the estate fails".
    # Splatting $args keeps each -Name as a parameter name, so the job binds them as if called directly.
    Invoke-NightlyComplianceJob @args
    throw 'The job ended without deciding whether the estate passes.'
}
catch {
    $message = $_.Exception.Message
    if ($_.Exception -is [System.Management.Automation.ParameterBindingException]) { $message += " (Get-Help $PSCommandPath -Full lists the parameters.)" }
    [Console]::Error.WriteLine("Invoke-NightlyCompliance: $message")
    exit 2
}
