using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Tests
{
    /// <summary>
    /// Builds small inventories for tests: a datacenter, clusters of hosts that all pass the
    /// pci-dss baseline, VMs on them; each test then changes only what it is about.
    /// </summary>
    public sealed class Lab
    {
        public readonly List<Cluster> Clusters = new List<Cluster>();
        public readonly List<Host> Hosts = new List<Host>();
        public readonly List<Vm> Vms = new List<Vm>();
        public readonly List<Network> Networks = new List<Network>
        {
            new Network { Id = "network-1", Name = "VM Network", Kind = NetworkKind.StandardPortgroup, DatacenterId = "datacenter-1" },
        };
        public readonly List<Datastore> Datastores = new List<Datastore> { new Datastore { Id = "datastore-1", Name = "shared", Type = "NFS" } };
        public readonly List<DistributedSwitch> Switches = new List<DistributedSwitch>();

        public Lab Cluster(string id, string name, bool drs = true, DrsAutomationLevel level = DrsAutomationLevel.FullyAutomated)
        {
            Clusters.Add(new Cluster { Id = id, Name = name, DatacenterId = "datacenter-1", DrsEnabled = drs, DrsAutomationLevel = level, HaEnabled = true });
            return this;
        }

        public Lab Host(string id, string clusterId, Func<Host, Host> change = null)
        {
            var host = CompliantHost(id, clusterId);
            Hosts.Add(change == null ? host : change(host));
            return this;
        }

        public Lab Vm(string id, string hostId, Func<Vm, Vm> change = null)
        {
            var vm = new Vm
            {
                Id = id,
                Name = id.Replace("vm-", "app-"),
                HostId = hostId,
                Nics = new[] { new VmNic { Key = 4000, Label = "Network adapter 1", NetworkId = "network-1", MacAddress = "00:50:56:00:00:01" } },
                DatastoreIds = new[] { "datastore-1" },
            };
            Vms.Add(change == null ? vm : change(vm));
            return this;
        }

        public Lab ChangeCluster(string id, Func<Cluster, Cluster> change)
        {
            var i = Clusters.FindIndex(c => c.Id == id);
            Clusters[i] = change(Clusters[i]);
            return this;
        }

        public Inv Build()
        {
            var hostIds = Hosts.Select(h => h.Id).ToArray();
            var datastores = Datastores.Select(d => d.HostIds.Count == 0 ? d with { HostIds = hostIds } : d);
            return new Inv("test-lab", new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero), "tests",
                new[] { new Datacenter { Id = "datacenter-1", Name = "DC" } }, Clusters, Hosts, Networks, Switches, datastores, Vms, VmExtraConfigKeys);
        }

        /// <summary>The VM advanced settings the "collection" read: by default every key the built-in catalog reads.</summary>
        public IReadOnlyList<string> VmExtraConfigKeys = VirtCompliance.Controls.Facts.VmExtraConfigKeys(VirtCompliance.Controls.ControlCatalog.BuiltIn.Controls);

        /// <summary>A VM whose settings pass every VM control of the scg baseline.</summary>
        public static Vm HardenedVm(Vm vm) => vm with
        {
            Settings = new VmSettings
            {
                ExtraConfig = new Dictionary<string, string>
                {
                    ["RemoteDisplay.maxConnections"] = "1",
                    ["bios.bootDeviceClasses"] = "allow:hd",
                },
                HardwareVersion = "vmx-20",
                Firmware = "efi",
                EfiSecureBootEnabled = true,
                LoggingEnabled = true,
                MigrateEncryption = "required",
                FtEncryptionMode = "ftEncryptionRequired",
                Devices = new[] { new VmDevice { Type = "VirtualDisk", Label = "Hard disk 1", DiskMode = "persistent" } },
            },
        };

        /// <summary>The VM with one more advanced setting.</summary>
        public static Vm WithSetting(Vm vm, string key, string value) => vm with
        {
            Settings = vm.Settings! with { ExtraConfig = new Dictionary<string, string>(vm.Settings.ExtraConfig!.ToDictionary(kv => kv.Key, kv => kv.Value)) { [key] = value } },
        };

        /// <summary>The VM with one more device.</summary>
        public static Vm WithDevice(Vm vm, VmDevice device) => vm with { Settings = vm.Settings! with { Devices = vm.Settings.Devices!.Append(device).ToArray() } };

        /// <summary>A host that passes every control of the pci-dss baseline.</summary>
        public static Host CompliantHost(string id, string clusterId) => new Host
        {
            Id = id,
            Name = "esx-" + id.Replace("host-", "") + ".test",
            DatacenterId = "datacenter-1",
            ClusterId = clusterId,
            Version = "8.0.3",
            Build = "24022510",
            LockdownMode = LockdownMode.LockdownNormal,
            AcceptanceLevel = "partner",
            Firewall = new HostFirewall
            {
                IncomingBlocked = true,
                OutgoingBlocked = true,
                Rulesets = new[]
                {
                    new FirewallRuleset { Key = "sshServer", Enabled = false, AllowedAllIp = false, AllowedNetworks = new[] { "10.0.0.0/24" }, IpListUserConfigurable = true },
                    new FirewallRuleset { Key = "syslog", Enabled = true, AllowedAllIp = false, AllowedNetworks = new[] { "10.0.1.0/24" }, IpListUserConfigurable = true },
                    // ESXi owns this one: its list cannot be restricted, so it does not count as open.
                    new FirewallRuleset { Key = "dhcp", Enabled = true, AllowedAllIp = true, IpListUserConfigurable = false },
                },
            },
            Services = new[]
            {
                new HostService { Key = "TSM-SSH", Running = false, Policy = ServicePolicy.Off },
                new HostService { Key = "TSM", Running = false, Policy = ServicePolicy.Off },
                new HostService { Key = "ntpd", Running = true, Policy = ServicePolicy.On },
                new HostService { Key = "ids-agentd", Running = true, Policy = ServicePolicy.On },
                new HostService { Key = "slpd", Running = false, Policy = ServicePolicy.Off },
                new HostService { Key = "sfcbd-watchdog", Running = false, Policy = ServicePolicy.Off },
            },
            LockdownExceptionUsers = Array.Empty<string>(),
            UefiSecureBoot = true,
            VmkernelNics = new[] { new VmkernelNic { Device = "vmk0", Portgroup = "Management Network", Services = new[] { "management" } },
                new VmkernelNic { Device = "vmk1", Portgroup = "vMotion", Services = new[] { "vmotion" } } },
            IscsiAdapters = Array.Empty<IscsiAdapter>(),
            EsxCli = HardenedEsxCli(),
            NtpServers = new[] { "ntp1.test", "ntp2.test" },
            Packages = new[] { new HostPackage { Name = "esx-base", Version = "8.0.3" }, new HostPackage { Name = "ids-agent", Version = "4.2" } },
            AdvancedOptions = new Dictionary<string, string>
            {
                ["Syslog.global.logHost"] = "tcp://syslog.test:514",
                ["Syslog.global.auditRecord.remoteEnable"] = "true",
                ["Syslog.global.auditRecord.storageEnable"] = "true",
                ["Syslog.global.certificate.strictX509Compliance"] = "true",
                ["Syslog.global.certificate.checkSSLCerts"] = "true",
                ["UserVars.ESXiShellInteractiveTimeOut"] = "900",
                ["UserVars.ESXiShellTimeOut"] = "600",
                ["UserVars.DcuiTimeOut"] = "600",
                ["UserVars.HostClientSessionTimeout"] = "900",
                ["Security.AccountLockFailures"] = "5",
                // PCI DSS 8.3.4 asks for 30 minutes, stricter than the SCG's 15.
                ["Security.AccountUnlockTime"] = "1800",
                ["Security.PasswordHistory"] = "5",
                ["Security.PasswordMaxDays"] = "90",
                ["Security.PasswordQualityControl"] = "random=0 similar=deny retry=3 min=disabled,disabled,disabled,disabled,15",
                ["Net.BlockGuestBPDU"] = "1",
                ["Net.DVFilterBindIpAddress"] = "",
                ["Mem.ShareForceSalting"] = "2",
                ["Config.HostAgent.plugins.solo.enableMob"] = "false",
                ["VMkernel.Boot.execInstalledOnly"] = "true",
                ["Config.HostAgent.plugins.hostsvc.esxAdminsGroupAutoAdd"] = "false",
                ["Config.HostAgent.plugins.hostsvc.esxAdminsGroup"] = "esx-pci-admins",
                ["Config.HostAgent.plugins.vimsvc.authValidateInterval"] = "90",
                ["Config.HostAgent.vmacore.soap.sessionTimeout"] = "10",
                ["Config.HostAgent.log.level"] = "info",
                ["Syslog.global.logLevel"] = "error",
                ["Syslog.global.auditRecord.storageCapacity"] = "100",
                ["Syslog.global.auditRecord.storageDirectory"] = "/scratch/auditLog",
                ["Mem.MemEagerZero"] = "1",
                ["Mem.EncryptTierNvme"] = "1",
                ["Net.BMCNetworkEnable"] = "0",
                ["DCUI.Access"] = "root",
                ["UserVars.SuppressShellWarning"] = "0",
                ["UserVars.SuppressHyperthreadWarning"] = "0",
                ["Annotations.WelcomeMessage"] = "Authorised use only.",
                ["Config.Etc.issue"] = "Authorised use only.",
            },
            StandardSwitches = new[] { new StandardSwitch { Name = "vSwitch0", Uplinks = new[] { "vmnic0" }, Security = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = false } } },
            Portgroups = new[] { new HostPortgroup { Name = "VM Network", VSwitch = "vSwitch0", VlanId = 20 } },
            DatastoreIds = new[] { "datastore-1" },
            NetworkIds = new[] { "network-1" },
        };

        /// <summary>The ESXCLI answers of a host set as the SCG and the STIG want, in the fields and spelling ESXCLI prints.</summary>
        public static Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>> HardenedEsxCli()
        {
            IReadOnlyList<IReadOnlyDictionary<string, string>> One(params (string field, string value)[] fields) =>
                new[] { (IReadOnlyDictionary<string, string>)fields.ToDictionary(f => f.field, f => f.value) };
            IReadOnlyList<IReadOnlyDictionary<string, string>> Rows(params (string, string)[][] rows) =>
                rows.Select(r => (IReadOnlyDictionary<string, string>)r.ToDictionary(f => f.Item1, f => f.Item2)).ToArray();
            var ssh = new[]
            {
                ("ciphers", "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"), ("gatewayports", "no"),
                ("hostbasedauthentication", "no"), ("clientalivecountmax", "3"), ("clientaliveinterval", "200"), ("banner", "/etc/issue"),
                ("ignorerhosts", "yes"), ("allowstreamlocalforwarding", "no"), ("allowtcpforwarding", "no"), ("permittunnel", "no"), ("permituserenvironment", "no"),
            };
            return new Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>(StringComparer.Ordinal)
            {
                ["system.account.list"] = Rows(new[] { ("UserID", "root"), ("Shellaccess", "true") }, new[] { ("UserID", "dcui"), ("Shellaccess", "false") }),
                ["system.security.fips140.ssh.get"] = One(("Enabled", "true")),
                ["system.snmp.get"] = One(("enable", "false")),
                ["system.security.keypersistence.get"] = One(("Enabled", "false")),
                ["system.settings.encryption.get"] = One(("Mode", "TPM"), ("RequireExecutablesOnlyFromInstalledVIBs", "true"), ("RequireSecureBoot", "true")),
                ["system.settings.kernel.list"] = Rows(new[] { ("Name", "disableHwrng"), ("Configured", "FALSE") }, new[] { ("Name", "entropySources"), ("Configured", "0") }),
                ["system.ssh.server.config.list"] = Rows(ssh.Select(kv => new[] { ("Key", kv.Item1), ("Value", kv.Item2) }).ToArray()),
                ["system.syslog.config.get"] = One(("LocalLogOutput", "/scratch/log"), ("LocalLogOutputIsPersistent", "true")),
                ["system.syslog.config.logfilter.get"] = One(("LogFilteringEnabled", "false")),
                ["system.tls.server.get"] = One(("Profile", "NIST_2024")),
                ["system.tls.server.get(showcurrentbootprofile=true)"] = One(("Profile", "NIST_2024")),
            };
        }

        /// <summary>The host with one field of one ESXCLI answer changed (the row whose field <paramref name="rowField"/> is <paramref name="rowValue"/>, or the only row).</summary>
        public static Host WithEsxCli(Host h, string command, string field, string value, string? rowField = null, string? rowValue = null)
        {
            var answers = h.EsxCli!.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            answers[command] = answers[command].Select(r => rowField == null || r[rowField] == rowValue
                ? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(r.ToDictionary(kv => kv.Key, kv => kv.Value)) { [field] = value } : r).ToArray();
            return h with { EsxCli = answers };
        }

        public static Host WithOption(Host h, string key, string value)
        {
            var options = h.AdvancedOptions.ToDictionary(kv => kv.Key, kv => kv.Value);
            options[key] = value;
            return h with { AdvancedOptions = options };
        }

        public static Host WithService(Host h, string key, bool running, ServicePolicy policy) =>
            h with { Services = h.Services.Where(s => s.Key != key).Append(new HostService { Key = key, Running = running, Policy = policy }).ToArray() };

        public static Host WithoutPackage(Host h, string name) => h with { Packages = h.Packages.Where(p => p.Name != name).ToArray() };

        /// <summary>The repository's module folder, found from the test binaries.</summary>
        public static string ModuleFolder
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "VirtCompliance.sln"))) dir = dir.Parent;
                if (dir == null) throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
                return Path.Combine(dir.FullName, "module");
            }
        }

        public static string SamplePath => Path.Combine(ModuleFolder, "samples", "pci-lab.json");

        /// <summary>tests/VirtCompliance.Tests/Fixtures: recorded wire data and the vim25 schema.</summary>
        public static string FixturesFolder => Path.Combine(Path.GetDirectoryName(ModuleFolder), "tests", "VirtCompliance.Tests", "Fixtures");

        /// <summary>The repository root.</summary>
        public static string RepositoryRoot => Path.GetDirectoryName(ModuleFolder);
    }

    /// <summary>A temporary folder removed after the test, pass or fail.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vc-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }
        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, true);
        }
    }
}
