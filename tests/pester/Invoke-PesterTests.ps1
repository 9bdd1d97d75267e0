<#
.SYNOPSIS
    Runs the Pester tests against a built module, in this (fresh) process, and writes the counts.
.DESCRIPTION
    Called by build.ps1 Test. The counts file lets build.ps1 add Pester's totals to xunit's.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $CountsPath,
    [string] $ResultsPath
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $PesterPath -MinimumVersion 5.7.1

$container = New-PesterContainer -Path (Join-Path $PSScriptRoot '*.Tests.ps1') -Data @{ ModulePath = $ModulePath }
$config = New-PesterConfiguration
$config.Run.Container = $container
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($ResultsPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultsPath
}
$result = Invoke-Pester -Configuration $config

foreach ($skipped in $result.Skipped) {
    # A skipped test must say why; Pester keeps the reason in the test's error/skip message.
    Write-Host "SKIPPED: $($skipped.ExpandedPath) - $($skipped.ErrorRecord | Select-Object -First 1)"
}
# A file that failed to run at all (a syntax error, a BeforeAll that threw) counts once; a file whose
# tests failed is already counted by its tests.
$failedContainers = @($result.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.FailedCount -eq 0 }).Count
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $failedContainers
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -Path $CountsPath -Encoding utf8
if ($result.FailedCount -gt 0 -or $failedContainers -gt 0) { exit 1 }
