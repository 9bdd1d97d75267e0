# The vCenter simulator (out/vcsim/vcsim, built by build.ps1 Vcsim) for the Pester tests: started on
# 127.0.0.1 and a free port, with a password of its own, and stopped by the caller's AfterAll, pass or
# fail; it also exits when this process closes its stdin. Dot-source this file with $ModulePath set.

$vcsimPath = Join-Path (Split-Path (Split-Path $ModulePath)) 'vcsim/vcsim'

function Start-Vcsim {
    if (-not (Test-Path $vcsimPath)) { throw "The simulator is not built ($vcsimPath): run build.ps1 Vcsim." }
    $password = 'pw-' + [guid]::NewGuid().ToString('N').Substring(0, 16)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($vcsimPath)
    foreach ($a in '-l', '127.0.0.1:0', '-username', 'vc-admin', '-password', $password, '-exit-on-stdin-close') { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $sim = [pscustomobject]@{ Process = $process; Url = $null; Thumbprint = $null
        Credential = [pscredential]::new('vc-admin', (ConvertTo-SecureString $password -AsPlainText -Force)) }
    $deadline = (Get-Date).AddSeconds(120)
    while ((Get-Date) -lt $deadline) {
        $line = $process.StandardOutput.ReadLine()
        if ($null -eq $line) { break }
        if ($line -like 'VCSIM_URL=*') { $sim.Url = $line.Substring(10) }
        elseif ($line -like 'VCSIM_THUMBPRINT=*') { $sim.Thumbprint = $line.Substring(17) }
        elseif ($line -eq 'VCSIM_READY') { return $sim }
    }
    Stop-Vcsim $sim
    throw 'The simulator did not start.'
}

function Stop-Vcsim($sim) {
    if ($sim -and -not $sim.Process.HasExited) { $sim.Process.Kill($true); $null = $sim.Process.WaitForExit(10000) }
}

# Renames a managed entity (a cluster, a VM) with vim25 Rename_Task, as the vSphere Client does, so the
# simulator's lab can carry the names of the examples' lab. The module writes no names, so this speaks
# SOAP itself, over the simulator's loopback address.
function Rename-VcsimEntity($sim, [string] $Type, [string] $Id, [string] $NewName) {
    function Invoke-Soap([string] $body, $session) {
        $envelope = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' + $body + '</soapenv:Body></soapenv:Envelope>'
        Invoke-WebRequest -Uri $sim.Url -Method Post -Body $envelope -ContentType 'text/xml; charset=utf-8' -Headers @{ SOAPAction = 'urn:vim25/6.7' } `
            -SkipCertificateCheck -WebSession $session -UseBasicParsing
    }
    $escape = { param($s) [System.Security.SecurityElement]::Escape($s) }
    $session = [Microsoft.PowerShell.Commands.WebRequestSession]::new()
    $credential = $sim.Credential.GetNetworkCredential()
    $null = Invoke-Soap ('<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>' + (& $escape $credential.UserName) +
        '</userName><password>' + (& $escape $credential.Password) + '</password></Login>') $session
    $null = Invoke-Soap ('<Rename_Task xmlns="urn:vim25"><_this type="' + $Type + '">' + (& $escape $Id) + '</_this><newName>' + (& $escape $NewName) + '</newName></Rename_Task>') $session
    $null = Invoke-Soap '<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>' $session
}
