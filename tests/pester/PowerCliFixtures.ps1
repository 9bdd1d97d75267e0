# PowerCLI-shaped objects for a small lab, as Get-Cluster, Get-VMHost, Get-VM and Get-View print them
# (type names, property names and nesting as PowerCLI's Get-Member shows them), without PowerCLI:
# PSCustomObjects whose pstypenames carry the VMware.Vim and VMware.VimAutomation type names.
# Dot-source this file; New-PowerCliLab returns the objects, and the views by 'Type-Value' id for
# a mocked Get-View -Id.

function New-VimObject([string] $TypeName, [hashtable] $Properties) {
    $o = [pscustomobject] ([ordered]@{} + $Properties)
    if ($TypeName) { $o.pstypenames.Insert(0, "VMware.Vim.$TypeName") }
    $o
}

function New-MoRef([string] $Type, [string] $Value) {
    New-VimObject ManagedObjectReference @{ Type = $Type; Value = $Value }
}

function New-HostView([string] $Id, [string] $Name, [string] $ClusterId, [bool] $SshRunning, [bool] $IncomingBlocked) {
    $service = {
        param($key, $label, $running, $policy)
        New-VimObject HostService @{ Key = $key; Label = $label; Required = $false; Uninstallable = $false; Running = $running; Policy = $policy }
    }
    $ruleset = {
        param($key, $enabled)
        New-VimObject HostFirewallRuleset @{ Key = $key; Label = $key; Required = $false; Enabled = $enabled
            AllowedHosts = New-VimObject HostFirewallRulesetIpList @{ IpAddress = @(); IpNetwork = @(); AllIp = $false } }
    }
    $option = { param($key, $value) New-VimObject OptionValue @{ Key = $key; Value = $value } }
    New-VimObject HostSystem @{
        MoRef = New-MoRef HostSystem $Id
        Name = $Name
        Parent = New-MoRef ClusterComputeResource $ClusterId
        Runtime = New-VimObject HostRuntimeInfo @{ ConnectionState = 'connected'; InMaintenanceMode = $false; PowerState = 'poweredOn' }
        Config = New-VimObject HostConfigInfo @{
            Product = New-VimObject AboutInfo @{ Name = 'VMware ESXi'; Version = '8.0.3'; Build = '24022510'; ApiType = 'HostAgent' }
            LockdownMode = 'lockdownNormal'
            Firewall = New-VimObject HostFirewallInfo @{
                DefaultPolicy = New-VimObject HostFirewallDefaultPolicy @{ IncomingBlocked = $IncomingBlocked; OutgoingBlocked = $true }
                Ruleset = @((& $ruleset 'sshServer' $SshRunning), (& $ruleset 'ntpClient' $true), (& $ruleset 'syslog' $true))
            }
            Service = New-VimObject HostServiceInfo @{ Service = @(
                    (& $service 'TSM-SSH' 'SSH' $SshRunning $(if ($SshRunning) { 'on' } else { 'off' })),
                    (& $service 'TSM' 'ESXi Shell' $false 'off'),
                    (& $service 'ntpd' 'NTP Daemon' $true 'on')) }
            Option = @((& $option 'UserVars.ESXiShellInteractiveTimeOut' ([long]900)), (& $option 'Syslog.global.logHost' 'udp://10.0.0.5:514'),
                (& $option 'Security.AccountLockFailures' ([long]5)))
            Network = New-VimObject HostNetworkInfo @{
                Vswitch = @(New-VimObject HostVirtualSwitch @{ Name = 'vSwitch0'; Mtu = 1500; Pnic = @('key-vim.host.PhysicalNic-vmnic0')
                        Spec = New-VimObject HostVirtualSwitchSpec @{ NumPorts = 128
                            Bridge = New-VimObject HostVirtualSwitchBondBridge @{ NicDevice = @('vmnic0') }
                            Policy = New-VimObject HostNetworkPolicy @{ Security = New-VimObject HostNetworkSecurityPolicy @{ AllowPromiscuous = $false; MacChanges = $false; ForgedTransmits = $false } } } })
                Portgroup = @(New-VimObject HostPortGroup @{ Key = 'key-vim.host.PortGroup-VM Network'
                        Spec = New-VimObject HostPortGroupSpec @{ Name = 'VM Network'; VlanId = 0; VswitchName = 'vSwitch0'
                            Policy = New-VimObject HostNetworkPolicy @{ Security = $null } } })
            }
            DateTimeInfo = New-VimObject HostDateTimeInfo @{ NtpConfig = New-VimObject HostNtpConfig @{ Server = @('10.0.0.1', '10.0.0.2') } }
            VirtualNicManagerInfo = New-VimObject HostVirtualNicManagerInfo @{ NetConfig = @(New-VimObject VirtualNicManagerNetConfig @{ NicType = 'management'; MultiSelectAllowed = $true
                        CandidateVnic = @(New-VimObject HostVirtualNic @{ Device = 'vmk0'; Key = 'management.key-vim.host.VirtualNic-vmk0'; Portgroup = 'Management Network' })
                        SelectedVnic = @('management.key-vim.host.VirtualNic-vmk0') }) }
            StorageDevice = New-VimObject HostStorageDeviceInfo @{ HostBusAdapter = @() }
        }
        Capability = New-VimObject HostCapability @{ UefiSecureBoot = $true }
        Datastore = @(New-MoRef Datastore 'datastore-1')
        Network = @(New-MoRef Network 'network-1')
        ConfigManager = New-VimObject HostConfigManager @{ ImageConfigManager = New-MoRef HostImageConfigManager "imageConfigManager-$Id"
            HostAccessManager = New-MoRef HostAccessManager "hostAccessManager-$Id" }
    }
}

function New-VmView([string] $Id, [string] $Name, [string] $HostId, [string] $Scope, [string] $Ip) {
    New-VimObject VirtualMachine @{
        MoRef = New-MoRef VirtualMachine $Id
        Name = $Name
        Parent = New-MoRef Folder 'group-v1'
        Runtime = New-VimObject VirtualMachineRuntimeInfo @{ Host = New-MoRef HostSystem $HostId; PowerState = 'poweredOn' }
        Config = New-VimObject VirtualMachineConfigInfo @{
            Template = $false; InstanceUuid = "5000$($Id.Substring(3).PadLeft(4, '0'))-0000-0000-0000-000000000000"; GuestFullName = 'Ubuntu Linux (64-bit)'; Annotation = ''
            Hardware = New-VimObject VirtualHardware @{ NumCPU = 2; MemoryMB = 4096; Device = @(
                    (New-VimObject VirtualDisk @{ Key = 2000; CapacityInKB = 16777216 }),
                    (New-VimObject VirtualVmxnet3 @{ Key = 4000; MacAddress = "00:50:56:00:00:$($Id.Substring(3).PadLeft(2, '0'))"
                        DeviceInfo = New-VimObject Description @{ Label = 'Network adapter 1'; Summary = 'VM Network' }
                        Backing = New-VimObject VirtualEthernetCardNetworkBackingInfo @{ DeviceName = 'VM Network'; Network = New-MoRef Network 'network-1' }
                        Connectable = New-VimObject VirtualDeviceConnectInfo @{ Connected = $true; StartConnected = $true } })) }
        }
        Datastore = @(New-MoRef Datastore 'datastore-1')
        Network = @(New-MoRef Network 'network-1')
        Guest = New-VimObject GuestInfo @{ Net = @(New-VimObject GuestNicInfo @{ DeviceConfigId = 4000; MacAddress = "00:50:56:00:00:$($Id.Substring(3).PadLeft(2, '0'))"; IpAddress = @($Ip); Connected = $true }) }
        CustomValue = @(New-VimObject CustomFieldStringValue @{ Key = 101; Value = $Scope })
        AvailableField = @(New-VimObject CustomFieldDef @{ Key = 101; Name = 'PCI-Scope'; Type = 'System.String' })
    }
}

function New-Impl([string] $TypeName, $View, [hashtable] $Extra) {
    $id = "$($View.MoRef.Type)-$($View.MoRef.Value)"
    $kind = @{ HostSystem = 'VMHost'; ClusterComputeResource = 'Cluster'; VirtualMachine = 'VirtualMachine' }[$View.MoRef.Type]
    $o = [pscustomobject] ([ordered]@{ Name = $View.Name; Id = $id; Uid = "/VIServer=administrator@vsphere.local@vcsa-01.lab.local:443/$kind=$id/" } + $Extra + @{ ExtensionData = $View })
    $o.pstypenames.Insert(0, $TypeName)
    $o
}

function New-PowerCliLab {
    $clusterView = New-VimObject ClusterComputeResource @{
        MoRef = New-MoRef ClusterComputeResource 'domain-c7'
        Name = 'Prod'
        Parent = New-MoRef Folder 'group-h4'
        Host = @((New-MoRef HostSystem 'host-11'), (New-MoRef HostSystem 'host-12'), (New-MoRef HostSystem 'host-13'))
        ConfigurationEx = New-VimObject ClusterConfigInfoEx @{
            DrsConfig = New-VimObject ClusterDrsConfigInfo @{ Enabled = $true; DefaultVmBehavior = 'fullyAutomated' }
            DasConfig = New-VimObject ClusterDasConfigInfo @{ Enabled = $true }
            Rule = @(); Group = @(); DrsVmConfig = @()
        }
    }
    $cluster = New-Impl 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.ClusterImpl' $clusterView @{ DrsEnabled = $true; DrsAutomationLevel = 'FullyAutomated'; HAEnabled = $true }
    $hostViews = @(
        (New-HostView 'host-11' 'esx-01.lab.local' 'domain-c7' $false $true),
        (New-HostView 'host-12' 'esx-02.lab.local' 'domain-c7' $false $true),
        (New-HostView 'host-13' 'esx-03.lab.local' 'domain-c7' $true $false))   # the drifted one: SSH on, firewall open
    $hosts = $hostViews | ForEach-Object { New-Impl 'VMware.VimAutomation.ViCore.Impl.V1.Inventory.VMHostImpl' $_ @{ ConnectionState = 'Connected'; PowerState = 'PoweredOn'; Parent = $cluster } }
    $vmViews = @(
        (New-VmView 'vm-21' 'pay-db-01' 'host-11' 'CDE' '10.1.0.21'),
        (New-VmView 'vm-22' 'pay-app-01' 'host-12' 'CDE' '10.1.0.22'),
        (New-VmView 'vm-23' 'print-01' 'host-11' 'OutOfScope' '10.9.0.23'))
    $vms = foreach ($view in $vmViews) {
        $vmHost = $hosts | Where-Object { $_.ExtensionData.MoRef.Value -eq $view.Runtime.Host.Value }
        New-Impl 'VMware.VimAutomation.ViCore.Impl.V1.VM.UniversalVirtualMachineImpl' $view @{ PowerState = 'PoweredOn'; VMHost = $vmHost; VMHostId = $vmHost.Id; NumCpu = 2; MemoryGB = 4 }
    }
    $datastore = New-VimObject Datastore @{
        MoRef = New-MoRef Datastore 'datastore-1'; Name = 'shared-ds'
        Summary = New-VimObject DatastoreSummary @{ Type = 'VMFS'; Name = 'shared-ds' }
        Host = @($hostViews | ForEach-Object { New-VimObject DatastoreHostMount @{ Key = $_.MoRef } })
    }
    $network = New-VimObject Network @{ MoRef = New-MoRef Network 'network-1'; Name = 'VM Network' }
    $views = @{}
    foreach ($v in @($clusterView) + $hostViews + $vmViews + @($datastore, $network)) { $views["$($v.MoRef.Type)-$($v.MoRef.Value)"] = $v }
    [pscustomobject]@{ Cluster = $cluster; Hosts = @($hosts); Vms = @($vms); Views = $views; HostViews = $hostViews; Datastore = $datastore; Network = $network }
}

# A distributed switch and a CDE portgroup as Get-VDSwitch and Get-VDPortgroup return them (the
# portgroup accepts promiscuous mode: insecure for a CDE segment), and a VM with an adapter on it.
function New-PowerCliDistributedLab($Lab) {
    $switchView = New-VimObject VmwareDistributedVirtualSwitch @{
        MoRef = New-MoRef VmwareDistributedVirtualSwitch 'dvs-5'; Name = 'dvs-prod'
        Uuid = '50 2a 7c 11 22 33 44 55-66 77 88 99 aa bb cc dd'
        Summary = New-VimObject DVSSummary @{ Name = 'dvs-prod'; ProductInfo = New-VimObject DistributedVirtualSwitchProductSpec @{ Version = '8.0.3' }
            HostMember = @($Lab.HostViews | ForEach-Object { $_.MoRef }) }
        Config = New-VimObject VMwareDVSConfigInfo @{ UplinkPortgroup = @(New-MoRef DistributedVirtualPortgroup 'dvportgroup-6') }
    }
    $portgroupView = New-VimObject DistributedVirtualPortgroup @{
        MoRef = New-MoRef DistributedVirtualPortgroup 'dvportgroup-7'; Name = 'pg-cde-110'
        Config = New-VimObject DVPortgroupConfigInfo @{
            Key = 'dvportgroup-7'; DistributedVirtualSwitch = $switchView.MoRef; Uplink = $false
            DefaultPortConfig = New-VimObject VMwareDVSPortSetting @{
                Vlan = New-VimObject VmwareDistributedVirtualSwitchVlanIdSpec @{ Inherited = $false; VlanId = 110 }
                SecurityPolicy = New-VimObject DVSSecurityPolicy @{
                    AllowPromiscuous = New-VimObject BoolPolicy @{ Inherited = $false; Value = $true }
                    MacChanges = New-VimObject BoolPolicy @{ Inherited = $false; Value = $false }
                    ForgedTransmits = New-VimObject BoolPolicy @{ Inherited = $false; Value = $false } }
                FilterPolicy = New-VimObject DvsFilterPolicy @{ Inherited = $true; FilterConfig = @() }
            }
        }
        Tag = @()
    }
    $vdSwitch = [pscustomobject]@{ Name = 'dvs-prod'; Id = 'VmwareDistributedVirtualSwitch-dvs-5'; NumUplinkPorts = 2; ExtensionData = $switchView }
    $vdSwitch.pstypenames.Insert(0, 'VMware.VimAutomation.Vds.Impl.V1.VmwareVDSwitchImpl')
    $vdPortgroup = [pscustomobject]@{ Name = 'pg-cde-110'; Id = 'DistributedVirtualPortgroup-dvportgroup-7'; VlanConfiguration = 'VLAN 110'; VDSwitch = $vdSwitch; ExtensionData = $portgroupView }
    $vdPortgroup.pstypenames.Insert(0, 'VMware.VimAutomation.Vds.Impl.V1.VmwareVDPortgroupImpl')

    $vmView = New-VmView 'vm-31' 'pay-api-01' 'host-12' 'CDE' '10.1.0.31'
    $vmView.Config.Hardware.Device[1].Backing = New-VimObject VirtualEthernetCardDistributedVirtualPortBackingInfo @{
        Port = New-VimObject DistributedVirtualSwitchPortConnection @{ SwitchUuid = $switchView.Uuid; PortgroupKey = 'dvportgroup-7'; PortKey = '31' } }
    $vmView.Network = @($portgroupView.MoRef)
    $vmHost = $Lab.Hosts | Where-Object { $_.ExtensionData.MoRef.Value -eq 'host-12' }
    $vm = New-Impl 'VMware.VimAutomation.ViCore.Impl.V1.VM.UniversalVirtualMachineImpl' $vmView @{ PowerState = 'PoweredOn'; VMHost = $vmHost; VMHostId = $vmHost.Id }
    [pscustomobject]@{ VDSwitch = $vdSwitch; VDPortgroup = $vdPortgroup; Vm = $vm; Views = @{
            'VmwareDistributedVirtualSwitch-dvs-5' = $switchView; 'DistributedVirtualPortgroup-dvportgroup-7' = $portgroupView } }
}
