# Pester tests of VirtCompliance with PowerCLI: PowerCLI-shaped objects on the pipeline, and PowerCLI's
# cmdlets mocked the way a user's own Pester suite would mock vSphere. PowerCLI itself is not installed
# here: stand-in functions give Pester something to mock, as they would in any CI without a vCenter.
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeAll {
    Import-Module $ModulePath -Force
    . (Join-Path $PSScriptRoot 'PowerCliFixtures.ps1')
    # The PowerCLI commands the tests mock (Pester mocks only commands that exist).
    function Get-Cluster { param([string] $Name) throw 'PowerCLI is not loaded; this stand-in is mocked.' }
    function Get-VMHost { param([string] $Name) throw 'PowerCLI is not loaded; this stand-in is mocked.' }
    function Get-VM { param([string] $Name) throw 'PowerCLI is not loaded; this stand-in is mocked.' }
    function Get-View { param([object[]] $Id, [string] $ViewType) throw 'PowerCLI is not loaded; this stand-in is mocked.' }
    $lab = New-PowerCliLab
}

Describe 'PowerCLI objects on the pipeline' {
    BeforeEach {
        Mock Get-Cluster { $lab.Cluster }
        Mock Get-VMHost { $lab.Hosts }
        Mock Get-VM { $lab.Vms | Where-Object Name -like $(if ($Name) { $Name } else { '*' }) }
        Mock Get-View {
            if ($ViewType -eq 'HostSystem') { return $lab.HostViews }
            foreach ($i in $Id) { $lab.Views["$i"] }
        }
    }

    It 'Get-VMHost | Get-HostControlDrift -Peer finds the host that drifted from its cluster' {
        # PowerCLI objects carry no VIBs: the package controls are NotEvaluated on every host; what fails is esx-03's.
        $drift = Get-VMHost | Get-HostControlDrift -Peer -WarningAction SilentlyContinue | Where-Object Outcome -eq Fail
        $drift | Should -Not -BeNullOrEmpty
        $drift.Host | Sort-Object -Unique | Should -Be 'esx-03.lab.local'
        $drift.ControlId | Should -Contain 'esx-9.ssh'
        $drift[0].Cluster | Should -Be 'Prod'
    }

    It 'Get-Cluster Prod | Get-HostControlDrift -Peer fetches the cluster''s hosts with Get-View' {
        $drift = Get-Cluster Prod | Get-HostControlDrift -Peer -WarningAction SilentlyContinue | Where-Object Outcome -eq Fail
        $drift.Host | Sort-Object -Unique | Should -Be 'esx-03.lab.local'
        Should -Invoke Get-View -ParameterFilter { "$Id" -match 'HostSystem-host-13' }
    }

    It 'Get-VM pay* | Get-VmMigrationExposure -Peer judges moves onto every host of the cluster' {
        $exposure = Get-VM pay* | Get-VmMigrationExposure -Peer -WarningAction SilentlyContinue
        $exposure.Vm | Sort-Object -Unique | Should -Be @('pay-app-01', 'pay-db-01')
        $exposure.TargetHost | Sort-Object -Unique | Should -Be 'esx-03.lab.local'
        $exposure[0].AutomatedByDrs | Should -BeTrue
    }

    It 'Get-VM | Test-PciSeparation finds the CDE and out-of-scope VMs sharing a host' {
        $findings = Get-VM | Test-PciSeparation -Interpretation Strict
        $mixed = $findings | Where-Object RuleId -eq 'pci.mixed-scope-host'
        $mixed.Hosts | Should -Contain 'esx-01.lab.local'
        $mixed.Vms | Should -Contain 'print-01'
        Get-VM | Test-PciSeparation -Quiet | Should -BeFalse
    }

    It 'Get-View output works as well as the impl objects' {
        $drift = Get-View -ViewType HostSystem | Get-HostControlDrift -Peer -WarningAction SilentlyContinue | Where-Object Outcome -eq Fail
        $drift.Host | Sort-Object -Unique | Should -Be 'esx-03.lab.local'
    }

    It 'the same lab as PowerCLI objects and as a snapshot gives the same results' {
        # Every object piped (nothing left to fetch); the evidence bundle keeps the inventory built from them as a snapshot.
        Mock Get-View { }
        $objects = @(Get-VM) + @(Get-VMHost) + @($lab.Cluster) + @($lab.Datastore, $lab.Network)
        $null = $objects | Save-ComplianceEvidence -Path (Join-Path $TestDrive 'bundle') -WarningAction SilentlyContinue
        $inv = Import-VirtInventory (Join-Path $TestDrive 'bundle/inventory.json')
        $inv.Vms.Count | Should -Be 3
        $inv.Hosts.Count | Should -Be 3
        $inv.Source | Should -Be 'vcsa-01.lab.local'
        foreach ($analysis in { param($in) $in | Get-HostControlDrift -Baseline pci-dss -WarningAction SilentlyContinue },
                              { param($in) $in | Get-VmMigrationExposure -Peer -WarningAction SilentlyContinue },
                              { param($in) $in | Test-PciSeparation -Interpretation HypervisorIsolation }) {
            $fromObjects = & $analysis $objects | ConvertTo-Json -Depth 8
            $fromSnapshot = & $analysis $inv | ConvertTo-Json -Depth 8
            $fromSnapshot | Should -Not -BeNullOrEmpty
            $fromObjects | Should -Be $fromSnapshot
        }
    }

    It 'a standard portgroup (Get-VirtualPortGroup) leads to its host, whose config holds its VLAN and policy' {
        $portgroup = [pscustomobject]@{ Name = 'VM Network'; VirtualSwitchName = 'vSwitch0'; VLanId = 0; Key = 'key-vim.host.PortGroup-VM Network'
            VMHostId = 'HostSystem-host-11'; Uid = '/VIServer=administrator@vsphere.local@vcsa-01.lab.local:443/VMHost=HostSystem-host-11/VirtualPortGroup=key-vim.host.PortGroup-VM Network/'
            ExtensionData = (New-VimObject HostPortGroup @{ Key = 'key-vim.host.PortGroup-VM Network'; Spec = $lab.HostViews[0].Config.Network.Portgroup[0].Spec }) }
        $portgroup.pstypenames.Insert(0, 'VMware.VimAutomation.ViCore.Impl.V1.Host.Networking.VirtualPortGroupImpl')
        $scope = $portgroup | Get-PciScope -ObjectType Host -WarningAction SilentlyContinue
        Should -Invoke Get-View -ParameterFilter { "$Id" -match 'HostSystem-host-11' }
        $scope.Name | Should -Contain 'esx-01.lab.local'
    }

    It 'Get-VDPortgroup and Get-VDSwitch objects bring their VLAN and security policy into the separation analysis' {
        $dv = New-PowerCliDistributedLab $lab
        Mock Get-View { foreach ($i in $Id) { if ($dv.Views.ContainsKey("$i")) { $dv.Views["$i"] } else { $lab.Views["$i"] } } }
        $findings = @($dv.Vm, $dv.VDPortgroup, $dv.VDSwitch) | Test-PciSeparation -Interpretation Strict
        $insecure = $findings | Where-Object RuleId -eq 'pci.insecure-switch-policy'
        $insecure | Should -Not -BeNullOrEmpty
        $insecure.Networks | Should -Contain 'pg-cde-110'
        $scope = @($dv.Vm, $dv.VDPortgroup, $dv.VDSwitch) | Get-PciScope -ObjectType Segment -WarningAction SilentlyContinue
        ($scope | Where-Object Name -match 'pg-cde-110').Scope | Should -Be 'Cde'
    }

    It 'the firewall cmdlets refuse PowerCLI objects, which carry no port filter state, and say what to do instead' {
        $policy = Join-Path (Split-Path $ModulePath) 'samples/pci-lab.policy.yaml'
        { Get-VM | Test-VmFirewallPolicy -Policy $policy } | Should -Throw -ErrorId 'NotFromPowerCli,*'
        { Get-VM | Get-VmFirewallPolicy } | Should -Throw '*Connect-VirtServer -ViServer*'
        { Get-VM | Save-ComplianceEvidence -Path (Join-Path $TestDrive 'fw') -Policy $policy } | Should -Throw -ErrorId 'NotFromPowerCli,*'
        Test-Path (Join-Path $TestDrive 'fw') | Should -BeFalse
    }

    It 'an object of another shape is an error that names the member it lacks' {
        $notAHost = [pscustomobject]@{ Name = 'esx-09'; ExtensionData = [pscustomobject]@{ Name = 'esx-09' } }
        $notAHost.pstypenames.Insert(0, 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl')
        $null = $notAHost | Get-HostControlDrift -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UnknownObjectShape,*'
        $errs[0].Exception.Message | Should -Match "esx-09.*'ExtensionData\.MoRef'"

        $pool = New-VimObject ResourcePool @{ MoRef = New-MoRef ResourcePool 'resgroup-9'; Name = 'Resources' }
        $null = $pool | Get-HostControlDrift -ErrorVariable poolErrs -ErrorAction SilentlyContinue
        $poolErrs[0].Exception.Message | Should -Match 'is a ResourcePool \(resgroup-9\), which the analyses do not use'

        $broken = $lab.HostViews[0].PSObject.Copy()
        $broken.Config = [pscustomobject]@{ Product = $null }
        { $broken | Get-HostControlDrift -ErrorAction Stop } | Should -Throw "*'Config.LockdownMode'*"
    }

    It 'a host view of an API older than Secure Boot reporting is read, with Secure Boot not evaluated' {
        # PowerCLI built on vSphere 6.7 types has HostCapability without UefiSecureBoot.
        $old = $lab.HostViews[0].PSObject.Copy()
        $old.Capability = New-VimObject HostCapability @{ RebootSupported = $true }
        $result = $old | Get-HostControlDrift -Baseline stig -ControlId esx-9.secureboot -WarningAction SilentlyContinue
        $result.Outcome | Should -Be 'NotEvaluated'
        $result.Reason | Should -Match 'capability\.uefiSecureBoot'
        ($lab.HostViews[0] | Get-HostControlDrift -Baseline stig -ControlId esx-9.secureboot -IncludePass -WarningAction SilentlyContinue).Outcome | Should -Be 'Pass'
    }
}
