<#
.SYNOPSIS
    The nightly compliance job: collect (or read a snapshot), analyse, file an evidence bundle and a
    report of what changed since the last run, and exit non-zero when the estate fails.
.DESCRIPTION
    Meant for a scheduled task, a cron job or a CI/automation runbook, run as
        pwsh -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 ...
    It never prompts: a missing credential is an error, not a question.

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
      2  the job itself failed (unreachable server, wrong password, unreadable snapshot, a folder
         that exists): the message goes to stderr and no half-written bundle is left.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 -Server vcsa-01.example.com -CredentialPath /srv/secrets/vcsa-reader.xml -EvidenceRoot /srv/evidence
    Nightly from vCenter; the credential was saved once with Get-Credential | Export-Clixml under the task's account.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-NightlyCompliance.ps1 -InventoryPath ./snapshots/today.json -EvidenceRoot ./evidence -Interpretation HypervisorIsolation -FailOnSeverity Critical
    From a snapshot, under the hypervisor-isolation reading, failing only on critical drift.
#>
[CmdletBinding(DefaultParameterSetName = 'Snapshot')]
param(
    # The vCenter to collect from.
    [Parameter(Mandatory, ParameterSetName = 'Server')] [string] $Server,
    # The credential (a runbook's stored credential, for example).
    [Parameter(ParameterSetName = 'Server')] [pscredential] $Credential,
    # Or a file written by Export-Clixml holding the credential.
    [Parameter(ParameterSetName = 'Server')] [string] $CredentialPath,
    # Accept this server certificate thumbprint when no trusted CA signed it.
    [Parameter(ParameterSetName = 'Server')] [string] $CertificateThumbprint,
    # Or analyse this snapshot file instead of collecting.
    [Parameter(Mandatory, ParameterSetName = 'Snapshot')] [string] $InventoryPath,
    # The folder that keeps one bundle per run.
    [Parameter(Mandatory)] [string] $EvidenceRoot,
    [string] $Baseline = 'pci-dss',
    [ValidateSet('Strict', 'HypervisorIsolation')] [string] $Interpretation = 'Strict',
    # A firewall policy whose enforcement to record.
    [string] $Policy,
    # The least severe host, network or VM control drift that fails the run; Never: drift never fails it.
    [ValidateSet('Critical', 'High', 'Medium', 'Low', 'Informational', 'Never')] [string] $FailOnSeverity = 'High',
    # Results the server gave no data for (NotEvaluated) do not fail the job; they are still filed and counted.
    [switch] $AllowNotEvaluated,
    # A waiver file: failures it covers are Waived (they pass the gate); once a waiver has expired they fail again.
    [string] $Waiver,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../VirtCompliance.psd1')
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
    Import-Module $ModulePath
    if ($PSCmdlet.ParameterSetName -eq 'Server') {
        if (-not $Credential) {
            if (-not $CredentialPath) { throw 'With -Server, give -Credential or -CredentialPath: a scheduled job cannot be asked for a password.' }
            $Credential = Import-Clixml -Path $CredentialPath
        }
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
catch {
    [Console]::Error.WriteLine("Invoke-NightlyCompliance: $($_.Exception.Message)")
    exit 2
}
