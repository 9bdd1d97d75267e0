#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The one entry point for building, testing, demonstrating and benchmarking VirtCompliance.
.DESCRIPTION
    Run it with the pinned PowerShell from the repository root:
        dotnet tool restore && dotnet pwsh ./build.ps1 <Task>
    Tasks:
        Build   compile and publish the module to out/VirtCompliance/ (with generated help)
        Test    Build, then Vcsim and the test browser (Debian's chromium, installed when missing and root),
                then every test: xunit (in-process, against the simulator, the HTML report in headless Chromium), Pester
                (the module as a user sees it) and the simulator's Go tests;
                ends with "N passed, N failed, N skipped" and exits non-zero on any failure
        Demo    Build, then run the cmdlets on the bundled sample lab; ends by writing an HTML report and
                an evidence bundle to out/demo/
        LiveDemo Build and Vcsim, then start the simulator on 127.0.0.1, collect from it and analyse
                (module/samples/Show-LiveDemo.ps1), and stop it
        Bench   Build and Vcsim, then the benchmarks under bench/ (Release, ratios against in-run baselines)
        Vcsim   build the vCenter simulator to out/vcsim/vcsim, installing its Debian packages when
                missing and running as root (tests/vcsim/README.md)
        Clean   remove build output
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'LiveDemo', 'Bench', 'Vcsim', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Bench only: arguments for the benchmark program, e.g. '--sizes', '1000,10000'.
    [string[]] $BenchArguments = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'VirtCompliance'

# Child processes (dotnet, pwsh, Pester) print plain text and phone nowhere.
$env:NO_COLOR = '1'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_UPDATECHECK = 'Off'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
if ($PSVersionTable.PSVersion.Major -ge 7) { $PSStyle.OutputRendering = 'PlainText' }

function Invoke-Native {
    # Runs a program and stops the build if it fails; PowerShell does not do that for native commands.
    # A simple function (no param block) so that arguments such as -v reach the program untouched.
    # @(...): with one argument after the program, $rest would be a string, which splatting spreads into characters.
    $file = $args[0]
    $rest = @($args | Select-Object -Skip 1)
    & $file @rest
    if ($LASTEXITCODE -ne 0) { throw "'$file $($rest -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Write-Host "== Build ($Configuration)"
    Invoke-Native dotnet build (Join-Path $root 'VirtCompliance.sln') -c $Configuration --nologo -v quiet '-clp:NoSummary'
    $bin = Join-Path $root "src/VirtCompliance.PowerShell/bin/$Configuration/netstandard2.0"

    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    New-Item -ItemType Directory -Path $moduleOut | Out-Null
    # The publish output, whole: every assembly the module needs is in it, so no list here can fall behind
    # a new dependency (PowerShellStandard.Library is PrivateAssets and never published).
    $publish = Join-Path $out 'publish'
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native dotnet publish (Join-Path $root 'src/VirtCompliance.PowerShell') -c $Configuration --no-build --nologo -v quiet -o $publish
    Copy-Item (Join-Path $publish '*') $moduleOut -Recurse
    $module = Join-Path $root 'module'
    Copy-Item (Join-Path $module 'VirtCompliance.psd1'), (Join-Path $module 'VirtCompliance.Format.ps1xml') $moduleOut
    # The licence and the release notes the manifest points to travel with the module.
    Copy-Item (Join-Path $root 'LICENSE'), (Join-Path $root 'CHANGELOG.md') $moduleOut
    foreach ($folder in 'baselines', 'samples', 'schemas', 'en-US') {
        $source = Join-Path $module $folder
        if (Test-Path $source) { Copy-Item $source (Join-Path $moduleOut $folder) -Recurse }
    }
    # Cmdlet help is generated from the C# XML documentation, so it cannot drift from the code.
    $helpScript = Join-Path $root 'src/VirtCompliance.PowerShell/Help/New-MamlHelp.ps1'
    if (Test-Path $helpScript) {
        & $helpScript -AssemblyPath (Join-Path $bin 'VirtCompliance.PowerShell.dll') `
            -XmlDocPath (Join-Path $bin 'VirtCompliance.PowerShell.xml') `
            -OutputPath (Join-Path $moduleOut 'en-US/VirtCompliance.PowerShell.dll-Help.xml')
    }
    Write-Host "Module published to $moduleOut"
}

function Get-PesterPath {
    # Pester comes from NuGet (PackageDownload in the test project), not from the PowerShell Gallery.
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $path = Join-Path $packages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester 5.7.1 was not restored to $path; run 'dotnet restore tests/VirtCompliance.Tests'." }
    return $path
}

function Get-TrxCounts([string] $TrxPath) {
    [xml] $trx = Get-Content -Raw $TrxPath
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = [int]$c.notExecuted }
}

function Invoke-Test {
    Invoke-Build
    # The integration tests run against the vCenter simulator; build it (and install its Debian packages) first.
    Invoke-Vcsim
    Install-TestBrowser
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results | Out-Null

    Write-Host "== xunit"
    & dotnet test (Join-Path $root 'tests/VirtCompliance.Tests') -c $Configuration --nologo `
        --logger "trx;LogFileName=xunit.trx" --results-directory $results --logger "console;verbosity=normal"
    $xunitExit = $LASTEXITCODE
    $trxFile = Join-Path $results 'xunit.trx'
    $xunit = if (Test-Path $trxFile) { Get-TrxCounts $trxFile } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1; Write-Host "xunit exited with $xunitExit without reporting a failed test (build or runner failure)." }

    Write-Host "== Pester"
    # A module DLL cannot be reloaded into a running pwsh, so Pester runs in a fresh process.
    $pesterCounts = Join-Path $results 'pester.json'
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/pester/Invoke-PesterTests.ps1') `
        -PesterPath (Get-PesterPath) -ModulePath (Join-Path $moduleOut 'VirtCompliance.psd1') -CountsPath $pesterCounts `
        -ResultsPath (Join-Path $results 'pester.xml')
    $pester = if (Test-Path $pesterCounts) { Get-Content -Raw $pesterCounts | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $go = Invoke-VcsimGoTests

    $passed = $xunit.Passed + $pester.Passed + $go.Passed
    $failed = $xunit.Failed + $pester.Failed + $go.Failed
    $skipped = $xunit.Skipped + $pester.Skipped + $go.Skipped
    Write-Host ""
    Write-Host ("xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; " +
        "Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped; " +
        "Go (simulator): $($go.Passed) passed, $($go.Failed) failed, $($go.Skipped) skipped")
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Write-Host "== Demo on the sample lab (module/samples/pci-lab.json)"
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'module/samples/Show-Demo.ps1') -ModulePath (Join-Path $moduleOut 'VirtCompliance.psd1') `
        -OutputPath (Join-Path $out 'demo')
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-Bench {
    Invoke-Build
    # The live-collection benchmark runs the simulator at about 1,100 and 5,250 VMs.
    Invoke-Vcsim
    Write-Host "== Benchmarks (Release)"
    # '--' quoted: unquoted, PowerShell would take it as its own end-of-parameters marker.
    Invoke-Native dotnet run --project (Join-Path $root 'bench/VirtCompliance.Bench') -c Release '--' @BenchArguments
}

# --- vCenter simulator (tests/vcsim): the govmomi simulator with VirtCompliance's vim25 extensions ---

$vcsimRoot = Join-Path $root 'tests/vcsim'
$vcsimBinary = Join-Path $out 'vcsim/vcsim'
$vcsimGovmomi = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator'
$vcsimPackages = 'golang-go', 'golang-github-vmware-govmomi-dev', 'python3-pyvmomi'

function Install-DebianPackage([string[]] $Packages, [scriptblock] $IsPresent, [string] $Purpose) {
    # Installs what a task needs from Debian when it is missing and this runs as root; otherwise says what to install.
    if (& $IsPresent) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    if ($isRoot -and (Test-Path /etc/debian_version)) {
        Write-Host "== Installing $Purpose`: $($Packages -join ', ')"
        $saved = $env:DEBIAN_FRONTEND
        $env:DEBIAN_FRONTEND = 'noninteractive'
        try {
            Invoke-Native apt-get -q update
            Invoke-Native apt-get install -y --no-install-recommends @Packages
        }
        finally { $env:DEBIAN_FRONTEND = $saved }
        if (-not (& $IsPresent)) { throw "Installing $($Packages -join ', ') did not provide $Purpose." }
        return
    }
    throw "$Purpose is missing. Install the Debian packages as root: apt-get install --no-install-recommends $($Packages -join ' ')"
}

function Install-VcsimPrerequisite {
    # Go and the govmomi library sources come from the Debian packages; GOPATH mode, no module downloads.
    Install-DebianPackage $vcsimPackages { (Get-Command go -ErrorAction SilentlyContinue) -and (Test-Path $vcsimGovmomi) } `
        "the simulator prerequisites (Go and the govmomi sources in $vcsimGovmomi)"
}

function Install-TestBrowser {
    # The HTML report test opens the report in Debian's headless Chromium.
    Install-DebianPackage 'chromium' { Test-Path /usr/bin/chromium } 'the test browser (/usr/bin/chromium)'
}

function Invoke-WithVcsimEnvironment([scriptblock] $Script) {
    # Go runs in GOPATH mode against the Debian govmomi sources; the variables are set for the
    # child processes only and restored afterwards.
    $settings = @{
        GO111MODULE = 'off'
        GOPATH      = "$vcsimRoot" + ':/usr/share/gocode'
        GOCACHE     = (Join-Path $out 'gocache')
        GOFLAGS     = ''
    }
    $saved = @{}
    foreach ($name in $settings.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $settings[$name])
    }
    try { & $Script }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Invoke-VcsimBuild {
    # Builds out/vcsim/vcsim unless it is newer than every Go source under tests/vcsim.
    $sources = @(Get-ChildItem -Path $vcsimRoot -Recurse -File -Filter '*.go')
    if ($sources.Count -eq 0) { throw "No Go sources under $vcsimRoot." }
    if (Test-Path $vcsimBinary) {
        $built = (Get-Item $vcsimBinary).LastWriteTimeUtc
        $newest = ($sources | Measure-Object -Property LastWriteTimeUtc -Maximum).Maximum
        if ($built -gt $newest) {
            Write-Host "== Vcsim is up to date ($vcsimBinary)"
            return
        }
    }
    Write-Host "== Vcsim build"
    New-Item -ItemType Directory -Force -Path (Split-Path $vcsimBinary) | Out-Null
    Invoke-WithVcsimEnvironment { Invoke-Native go build -o $vcsimBinary virtcompliance/vcsim }
}

function Invoke-VcsimGoTests {
    # Runs the simulator's Go tests and returns their counts; a failure does not throw (the caller decides).
    Write-Host "== Vcsim Go tests"
    if (-not (Get-Command go -ErrorAction SilentlyContinue)) {
        Write-Host "'go' was not found; run Install-VcsimPrerequisite first."
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $output = @(Invoke-WithVcsimEnvironment {
        $ErrorActionPreference = 'Continue' # go writes build errors and logs to stderr
        & go test -v -count=1 'virtcompliance/vcsim/...' 2>&1 | ForEach-Object { $line = "$_"; Write-Host $line; $line }
    })
    $exitCode = $LASTEXITCODE
    $counts = [pscustomobject]@{
        Passed  = @($output | Where-Object { $_ -match '^\s*--- PASS: ' }).Count
        Failed  = @($output | Where-Object { $_ -match '^\s*--- FAIL: ' }).Count
        Skipped = @($output | Where-Object { $_ -match '^\s*--- SKIP: ' }).Count
    }
    if ($exitCode -ne 0 -and $counts.Failed -eq 0) {
        $counts.Failed = 1
        Write-Host "go test exited with $exitCode without reporting a failed test (build failure)."
    }
    Write-Host "Vcsim Go tests: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    return $counts
}

function Invoke-LiveDemo {
    Invoke-Build
    Invoke-Vcsim
    Write-Host "== Live demo against the vCenter simulator (module/samples/Show-LiveDemo.ps1)"
    # A password made up for this run: the simulator accepts only it.
    $password = 'lab-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($vcsimBinary)
    foreach ($a in '-l', '127.0.0.1:0', '-username', 'lab-admin', '-password', $password, '-cluster', '2', '-host', '4', '-vm', '12', '-exit-on-stdin-close') {
        $psi.ArgumentList.Add($a)
    }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $sim = [System.Diagnostics.Process]::Start($psi)
    try {
        $url = $thumbprint = $null
        while ($null -ne ($line = $sim.StandardOutput.ReadLine())) {
            if ($line -like 'VCSIM_URL=*') { $url = $line.Substring(10) }
            elseif ($line -like 'VCSIM_THUMBPRINT=*') { $thumbprint = $line.Substring(17) }
            elseif ($line -eq 'VCSIM_READY') { break }
        }
        if (-not $url) { throw 'The simulator did not start.' }
        Write-Host "Simulator at $url (certificate $thumbprint)"
        # Something to find: scope attributes on the VMs and one drifted host, set through the vSphere API with pyVmomi.
        $password | & /usr/bin/python3 (Join-Path $root 'tests/pyvmomi/seed_lab.py') $url 'lab-admin'
        if ($LASTEXITCODE -ne 0) { throw "Seeding the simulator failed (exit code $LASTEXITCODE)." }
        $credential = [pscredential]::new('lab-admin', (ConvertTo-SecureString $password -AsPlainText -Force))
        & (Join-Path $root 'module/samples/Show-LiveDemo.ps1') -Server $url -Credential $credential -CertificateThumbprint $thumbprint `
            -ModulePath (Join-Path $moduleOut 'VirtCompliance.psd1')
    }
    finally {
        if (-not $sim.HasExited) { $sim.StandardInput.Close(); if (-not $sim.WaitForExit(5000)) { $sim.Kill($true) } }
    }
}

function Invoke-Vcsim {
    Install-VcsimPrerequisite
    Invoke-VcsimBuild
    Write-Host "Simulator: $vcsimBinary"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'LiveDemo' { Invoke-LiveDemo }
    'Bench' { Invoke-Bench }
    'Vcsim' { Invoke-Vcsim }
    'Clean' {
        if (Test-Path $out) { Remove-Item $out -Recurse -Force }
        Invoke-Native dotnet clean (Join-Path $root 'VirtCompliance.sln') -c $Configuration --nologo -v quiet
    }
}
