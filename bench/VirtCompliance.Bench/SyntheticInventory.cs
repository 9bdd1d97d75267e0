using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VirtCompliance.Model;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Bench
{
    /// <summary>What the generator deliberately broke, so that a benchmark can say what it should find.</summary>
    public sealed class SeededDrift
    {
        public IReadOnlyList<string> MissingIdsAgent { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> SshOn { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> NoSyslog { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> Disconnected { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> InMaintenance { get; init; } = Array.Empty<string>();

        public override string ToString() =>
            $"{MissingIdsAgent.Count} hosts without the IDS agent, {SshOn.Count} with SSH on, {NoSyslog.Count} without syslog, " +
            $"{Disconnected.Count} disconnected, {InMaintenance.Count} in maintenance mode";
    }

    /// <summary>
    /// Builds a realistic vSphere inventory of a given size, deterministically: the same counts and
    /// seed give the same inventory (and the same snapshot bytes) on every machine. One datacenter;
    /// clusters of 16-32 hosts, each with its own distributed switch and portgroups, shared VMFS
    /// datastores, DRS groups with mandatory and "should" VM-host rules; hosts configured to the
    /// pci-dss baseline (about 40 advanced options, 12 services, 10 packages including an IDS
    /// sensor, firewall rulesets, a standard switch); VMs with one or two NICs, IPs, datastores and
    /// a PCI-Scope custom attribute. Then about 3% of hosts drift (no IDS agent, SSH on, no syslog)
    /// and about 1% are disconnected or in maintenance mode.
    /// </summary>
    public sealed class SyntheticInventory
    {
        public const int DefaultSeed = 20261127;

        public Inv Inventory { get; }
        public SeededDrift Drift { get; }

        private SyntheticInventory(Inv inventory, SeededDrift drift)
        {
            Inventory = inventory;
            Drift = drift;
        }

        private const string DatacenterId = "datacenter-2";
        private const string DatacenterName = "DC-Synthetic";
        private const string IdsPackage = "acme-ids-sensor";
        private const string IdsService = "acme-idsd";
        private const string Banner = "Authorized users only. Activity on this system is logged and monitored.";

        private readonly Random _rng;
        private int _nextMoref = 100;
        private long _nextMac = 0x100000;

        private SyntheticInventory(int seed) => _rng = new Random(seed);

        private string NewId(string prefix) => prefix + (_nextMoref++).ToString(CultureInfo.InvariantCulture);

        public static SyntheticInventory Generate(int vmCount, int hostCount, int seed = DefaultSeed)
        {
            if (hostCount < 16) throw new ArgumentOutOfRangeException(nameof(hostCount), "at least 16 hosts (one cluster)");
            if (vmCount < 0) throw new ArgumentOutOfRangeException(nameof(vmCount));
            return new SyntheticInventory(seed).Build(vmCount, hostCount);
        }

        // ---- shape -------------------------------------------------------------------------------

        private sealed class ClusterPlan
        {
            public string Id, Name, DvsId, UplinkId;
            public int Index;
            public string Version, Build;
            public readonly List<string> HostIds = new List<string>();
            public readonly List<string> ActiveHostIds = new List<string>();
            public readonly List<string> CdeHostIds = new List<string>();
            public readonly List<string> GeneralHostIds = new List<string>();
            public readonly Dictionary<string, string> PortgroupByRole = new Dictionary<string, string>(StringComparer.Ordinal);
            public readonly List<string> SharedDatastoreIds = new List<string>();
            public string PartialDatastoreId;
            public readonly HashSet<string> PartialDatastoreHosts = new HashSet<string>(StringComparer.Ordinal);
            public readonly Dictionary<string, string> LocalDatastoreByHost = new Dictionary<string, string>(StringComparer.Ordinal);
            public readonly List<Vm> Vms = new List<Vm>();
        }

        private static readonly (string Role, int VlanOffset)[] PortgroupRoles =
        {
            ("cde-db", 0), ("cde-app", 1), ("cde-web", 2), ("dmz-web", 3), ("corp-app", 4),
            ("corp-db", 5), ("shared-services", 6), ("backup", 7), ("dev", 8), ("test", 9),
        };

        private static readonly (string Version, string Build)[] Releases =
        {
            ("8.0.3", "24585383"), ("8.0.3", "24022510"), ("8.0.2", "23305546"), ("7.0.3", "24411414"),
        };

        private SyntheticInventory Build(int vmCount, int hostCount)
        {
            var clusters = new List<Cluster>();
            var hosts = new List<Host>();
            var networks = new List<Network>();
            var switches = new List<DistributedSwitch>();
            var datastores = new List<Datastore>();

            var vmNetworkId = NewId("network-");
            networks.Add(new Network { Id = vmNetworkId, Name = "VM Network", Kind = NetworkKind.StandardPortgroup, DatacenterId = DatacenterId });
            var isoLibraryId = NewId("datastore-");

            // Cluster sizes: about 24 hosts each, jittered within 16..32, summing to hostCount.
            var sizes = ClusterSizes(hostCount);
            var plans = new List<ClusterPlan>();
            var networkIndex = 1;
            for (int c = 0; c < sizes.Length; c++)
            {
                var release = Releases[c % Releases.Length];
                var plan = new ClusterPlan
                {
                    Index = c,
                    Id = NewId("domain-c"),
                    Name = ClusterName(c),
                    Version = release.Version,
                    Build = release.Build,
                };
                plan.DvsId = NewId("dvs-");
                plan.UplinkId = NewId("dvportgroup-");
                networks.Add(new Network
                {
                    Id = plan.UplinkId, Name = $"dvs-{plan.Name.ToLowerInvariant()}-DVUplinks", Kind = NetworkKind.DistributedPortgroup,
                    DatacenterId = DatacenterId, DvsId = plan.DvsId, IsUplink = true,
                    VlanTrunkRanges = new[] { new VlanRange { Start = 0, End = 4094 } },
                    Security = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = false },
                });
                foreach (var (role, offset) in PortgroupRoles)
                {
                    var id = NewId("dvportgroup-");
                    plan.PortgroupByRole[role] = id;
                    networks.Add(new Network
                    {
                        Id = id, Name = $"dvpg-{plan.Name.ToLowerInvariant()}-{role}", Kind = NetworkKind.DistributedPortgroup,
                        DatacenterId = DatacenterId, DvsId = plan.DvsId, VlanId = 100 + c * 16 + offset,
                        Security = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = false },
                        TrafficFilter = role.StartsWith("cde-", StringComparison.Ordinal) ? CdeFilter(networkIndex) : null,
                    });
                    networkIndex++;
                }
                var datastoreCount = 6 + _rng.Next(5);
                for (int d = 0; d < datastoreCount; d++) plan.SharedDatastoreIds.Add(NewId("datastore-"));
                plan.PartialDatastoreId = NewId("datastore-");

                for (int i = 0; i < sizes[c]; i++) plan.HostIds.Add(NewId("host-"));
                plans.Add(plan);
            }

            // Drift and host state are decided before VMs are placed: maintenance-mode hosts were evacuated.
            var allHostIds = plans.SelectMany(p => p.HostIds).ToArray();
            var shuffled = allHostIds.OrderBy(_ => _rng.Next()).ToArray();
            int driftCount = Math.Max(1, (int)Math.Round(hostCount * 0.03));
            int stateCount = Math.Max(1, (int)Math.Round(hostCount * 0.01));
            var taken = 0;
            string[] Take(int n) { var s = shuffled.Skip(taken).Take(n).ToArray(); taken += n; return s; }
            var drift = new SeededDrift
            {
                MissingIdsAgent = Take(driftCount),
                SshOn = Take(driftCount),
                NoSyslog = Take(driftCount),
                Disconnected = Take(stateCount),
                InMaintenance = Take(stateCount),
            };
            var missingIds = new HashSet<string>(drift.MissingIdsAgent);
            var sshOn = new HashSet<string>(drift.SshOn);
            var noSyslog = new HashSet<string>(drift.NoSyslog);
            var disconnected = new HashSet<string>(drift.Disconnected);
            var maintenance = new HashSet<string>(drift.InMaintenance);

            var localDatastores = new List<Datastore>();
            foreach (var plan in plans)
            {
                var clusterNetworkIds = new List<string> { vmNetworkId, plan.UplinkId };
                clusterNetworkIds.AddRange(plan.PortgroupByRole.Values);
                foreach (var hostId in plan.HostIds)
                    if (!maintenance.Contains(hostId)) plan.ActiveHostIds.Add(hostId);
                // A quarter of the cluster's hosts (at least two) are the hardened "CDE hosts" of its DRS rules.
                var cdeCount = Math.Max(2, plan.ActiveHostIds.Count / 4);
                plan.CdeHostIds.AddRange(plan.ActiveHostIds.Take(cdeCount));
                plan.GeneralHostIds.AddRange(plan.ActiveHostIds.Skip(cdeCount));
                // One datastore is zoned to two thirds of the hosts only: VMs on it cannot go everywhere.
                foreach (var h in plan.HostIds.Take(Math.Max(1, plan.HostIds.Count * 2 / 3))) plan.PartialDatastoreHosts.Add(h);

                var n = 0;
                foreach (var hostId in plan.HostIds)
                {
                    n++;
                    var localId = NewId("datastore-");
                    plan.LocalDatastoreByHost[hostId] = localId;
                    var name = $"esx-{plan.Name.ToLowerInvariant()}-{n:D2}.dc.example.com";
                    localDatastores.Add(new Datastore { Id = localId, Name = $"datastore1 ({name.Split('.')[0]})", Type = "VMFS", HostIds = new[] { hostId } });
                    var hostDatastores = new List<string>(plan.SharedDatastoreIds) { isoLibraryId, localId };
                    if (plan.PartialDatastoreHosts.Contains(hostId)) hostDatastores.Add(plan.PartialDatastoreId);

                    var host = CompliantHost(hostId, name, plan, hostDatastores, clusterNetworkIds);
                    if (missingIds.Contains(hostId))
                        host = host with
                        {
                            Packages = host.Packages.Where(p => p.Name != IdsPackage).ToArray(),
                            Services = host.Services.Where(s => s.Key != IdsService).ToArray(),
                        };
                    if (sshOn.Contains(hostId))
                        host = host with
                        {
                            Services = host.Services.Select(s => s.Key == "TSM-SSH" ? s with { Running = true, Policy = ServicePolicy.On } : s).ToArray(),
                            Firewall = host.Firewall with
                            {
                                Rulesets = host.Firewall.Rulesets.Select(r => r.Key == "sshServer" ? r with { Enabled = true } : r).ToArray(),
                            },
                        };
                    if (noSyslog.Contains(hostId))
                    {
                        var options = host.AdvancedOptions.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                        options.Remove("Syslog.global.logHost");
                        options["Syslog.global.auditRecord.remoteEnable"] = "false";
                        host = host with
                        {
                            AdvancedOptions = options,
                            Services = host.Services.Select(s => s.Key == "vmsyslogd" ? s with { Running = false } : s).ToArray(),
                        };
                    }
                    if (disconnected.Contains(hostId)) host = host with { ConnectionState = ConnectionState.Disconnected };
                    if (maintenance.Contains(hostId)) host = host with { InMaintenanceMode = true };
                    hosts.Add(host);
                }

                switches.Add(new DistributedSwitch
                {
                    Id = plan.DvsId, Name = $"dvs-{plan.Name.ToLowerInvariant()}", DatacenterId = DatacenterId,
                    Version = "8.0.3", HostIds = plan.HostIds.ToArray(),
                });
                for (int d = 0; d < plan.SharedDatastoreIds.Count; d++)
                    datastores.Add(new Datastore
                    {
                        Id = plan.SharedDatastoreIds[d], Name = $"vmfs-{plan.Name.ToLowerInvariant()}-{d + 1:D2}", Type = "VMFS",
                        HostIds = plan.HostIds.ToArray(),
                    });
                datastores.Add(new Datastore
                {
                    Id = plan.PartialDatastoreId, Name = $"vmfs-{plan.Name.ToLowerInvariant()}-zoned", Type = "VMFS",
                    HostIds = plan.PartialDatastoreHosts.ToArray(),
                });
            }
            datastores.Add(new Datastore { Id = isoLibraryId, Name = "nfs-iso-library", Type = "NFS", HostIds = allHostIds });
            datastores.AddRange(localDatastores);

            // VMs: a cluster in proportion to its hosts, then a host. CDE databases sit on the CDE hosts
            // (a mandatory rule pins them there); dev and test VMs stay off them (a mandatory anti-affinity rule).
            var hostById = hosts.ToDictionary(h => h.Id, StringComparer.Ordinal);
            var weights = plans.Select(p => p.ActiveHostIds.Count).ToArray();
            var totalWeight = weights.Sum();
            var networkCounters = new Dictionary<string, int>(StringComparer.Ordinal);
            var portCounters = new Dictionary<string, int>(StringComparer.Ordinal);
            var vms = new List<Vm>(vmCount);
            for (int i = 0; i < vmCount; i++)
            {
                var pick = _rng.Next(totalWeight);
                var c = 0;
                while (pick >= weights[c]) pick -= weights[c++];
                var plan = plans[c];
                var vm = NewVm(plan, hostById, vmNetworkId, networkCounters, portCounters, i);
                plan.Vms.Add(vm);
                vms.Add(vm);
            }

            foreach (var plan in plans) clusters.Add(ClusterWithRules(plan, hostById));

            var inventory = new Inv("synthetic", new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero), "VirtCompliance.Bench",
                new[] { new Datacenter { Id = DatacenterId, Name = DatacenterName } },
                clusters, hosts, networks, switches, datastores, vms,
                vmExtraConfigKeys: ReadExtraConfigKeys);
            return new SyntheticInventory(inventory, drift);
        }

        private int[] ClusterSizes(int hostCount)
        {
            var count = Math.Max(1, (int)Math.Round(hostCount / 24.0));
            while (hostCount > count * 32) count++;
            while (count > 1 && hostCount < count * 16) count--;
            var sizes = Enumerable.Repeat(hostCount / count, count).ToArray();
            for (int i = 0; i < hostCount % count; i++) sizes[i]++;
            // Jitter: move hosts between clusters, keeping every size within 16..32.
            for (int k = 0; k < count * 4; k++)
            {
                int a = _rng.Next(count), b = _rng.Next(count);
                var move = _rng.Next(1, 4);
                if (a != b && sizes[a] - move >= 16 && sizes[b] + move <= 32) { sizes[a] -= move; sizes[b] += move; }
            }
            return sizes;
        }

        private static string ClusterName(int index)
        {
            string[] names = { "Payments", "Cards", "Web", "Corp", "Analytics", "Backoffice", "Dev", "Shared" };
            return index < names.Length ? names[index] : names[index % names.Length] + (index / names.Length + 1).ToString(CultureInfo.InvariantCulture);
        }

        private static TrafficFilter CdeFilter(int n) => new TrafficFilter
        {
            Enabled = true,
            OnFailure = "failClosed",
            Rules = new[]
            {
                new TrafficRule
                {
                    Sequence = 10, Description = "Allow HTTPS from the web tier", Direction = PortDirection.ToVm, Action = TrafficAction.Allow,
                    Protocol = 6, SourceAddresses = new[] { $"10.{n % 256}.0.0/16" }, DestinationPorts = "443",
                },
                new TrafficRule { Sequence = 100, Description = "Drop all other inbound traffic", Direction = PortDirection.ToVm, Action = TrafficAction.Drop, Log = true },
            },
        };

        // ---- hosts -------------------------------------------------------------------------------

        private static Host CompliantHost(string id, string name, ClusterPlan plan, IReadOnlyList<string> datastoreIds, IReadOnlyList<string> networkIds) => new Host
        {
            Id = id,
            Name = name,
            DatacenterId = DatacenterId,
            ClusterId = plan.Id,
            Version = plan.Version,
            Build = plan.Build,
            LockdownMode = LockdownMode.LockdownNormal,
            AcceptanceLevel = "partner",
            Firewall = new HostFirewall { IncomingBlocked = true, OutgoingBlocked = true, Rulesets = Rulesets },
            Services = Services,
            AdvancedOptions = AdvancedOptions,
            NtpServers = new[] { "ntp1.dc.example.com", "ntp2.dc.example.com" },
            Packages = Packages(plan.Version, plan.Build),
            StandardSwitches = new[]
            {
                new StandardSwitch
                {
                    Name = "vSwitch0", Mtu = 1500, Uplinks = new[] { "vmnic0", "vmnic1" },
                    Security = new SecurityPolicy { AllowPromiscuous = false, MacChanges = false, ForgedTransmits = false },
                },
            },
            Portgroups = new[]
            {
                new HostPortgroup { Name = "Management Network", VSwitch = "vSwitch0", VlanId = 10 },
                new HostPortgroup { Name = "vMotion", VSwitch = "vSwitch0", VlanId = 11 },
                new HostPortgroup { Name = "VM Network", VSwitch = "vSwitch0", VlanId = 0 },
            },
            DvsIds = new[] { plan.DvsId },
            DatastoreIds = datastoreIds.ToArray(),
            NetworkIds = networkIds.ToArray(),
        };

        private static FirewallRuleset Rule(string key, string label, bool enabled, bool allIp, string[] ips = null, string[] nets = null) =>
            new FirewallRuleset
            {
                Key = key, Label = label, Enabled = enabled, AllowedAllIp = allIp,
                AllowedIps = ips ?? Array.Empty<string>(), AllowedNetworks = nets ?? Array.Empty<string>(),
            };

        private static readonly FirewallRuleset[] Rulesets =
        {
            Rule("CIMHttpsServer", "CIM Secure Server", true, false, nets: new[] { "10.10.0.0/24" }),
            Rule("CIMSLP", "CIM SLP", false, true),
            Rule("NFC", "NFC", true, false, nets: new[] { "10.10.0.0/24", "10.10.1.0/24" }),
            Rule("ntpClient", "NTP Client", true, false, ips: new[] { "10.30.0.11", "10.30.0.12" }),
            Rule("snmp", "SNMP Server", false, true),
            Rule("sshServer", "SSH Server", false, false, nets: new[] { "10.10.0.0/24" }),
            Rule("syslog", "syslog", true, false, ips: new[] { "10.30.0.25" }),
            Rule("vMotion", "vMotion", true, false, nets: new[] { "10.10.1.0/24" }),
            Rule("vSphereClient", "vSphere Web Client", true, false, ips: new[] { "10.10.0.5" }, nets: new[] { "10.10.0.0/24" }),
            Rule("vpxHeartbeats", "VMware vCenter Agent", true, false, ips: new[] { "10.10.0.5" }),
            Rule("webAccess", "vSphere Web Access", true, false, nets: new[] { "10.10.0.0/24" }),
        };

        private static HostService Service(string key, string label, bool running) =>
            new HostService { Key = key, Label = label, Running = running, Policy = running ? ServicePolicy.On : ServicePolicy.Off };

        private static readonly HostService[] Services =
        {
            Service("DCUI", "Direct Console UI", true),
            Service("TSM", "ESXi Shell", false),
            Service("TSM-SSH", "SSH", false),
            Service(IdsService, "Acme IDS Sensor Daemon", true),
            Service("lbtd", "Load-Based Teaming Daemon", true),
            Service("ntpd", "NTP Daemon", true),
            Service("pcscd", "PC/SC Smart Card Daemon", false),
            Service("sfcbd-watchdog", "CIM Server", true),
            Service("snmpd", "SNMP Server", false),
            Service("vmsyslogd", "Syslog Server", true),
            Service("vpxa", "VMware vCenter Agent", true),
            Service("xorg", "X.Org Server", false),
        };

        private static HostPackage[] Packages(string version, string build)
        {
            var esx = $"{version}-0.50.{build}";
            HostPackage P(string name, string v, string vendor = "VMW", string level = "vmware_certified") =>
                new HostPackage { Name = name, Version = v, Vendor = vendor, AcceptanceLevel = level };
            return new[]
            {
                P(IdsPackage, "4.2.1-1", "Acme", "partner"),
                P("bnxtnet", "230.0.111.0-1OEM.800.1.0.20613240", "BCM"),
                P("crx", esx),
                P("esx-base", esx),
                P("esx-ui", "2.16.0-23765264"),
                P("i40en", "1.11.2.6-1vmw.800.1.0.20613240"),
                P("lsi-mr3", "7.727.02.00-1vmw.800.1.0.20613240"),
                P("nvme-pcie", "1.2.4.11-1vmw.803.0.0.24022510"),
                P("vmkusb", "0.1-24vmw.803.0.0.24022510"),
                P("vsan", esx),
            };
        }

        private static readonly IReadOnlyDictionary<string, string> AdvancedOptions = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Security Configuration Guide settings, at the guide's values.
            ["Annotations.WelcomeMessage"] = Banner,
            ["Config.Etc.issue"] = Banner,
            ["Config.HostAgent.log.level"] = "info",
            ["Config.HostAgent.plugins.hostsvc.esxAdminsGroupAutoAdd"] = "false",
            ["Config.HostAgent.plugins.solo.enableMob"] = "false",
            ["Config.HostAgent.vmacore.soap.sessionTimeout"] = "30",
            ["DCUI.Access"] = "root",
            ["Mem.MemEagerZero"] = "1",
            ["Mem.ShareForceSalting"] = "2",
            ["Net.BMCNetworkEnable"] = "0",
            ["Net.BlockGuestBPDU"] = "1",
            ["Net.DVFilterBindIpAddress"] = "",
            ["Security.AccountLockFailures"] = "5",
            ["Security.AccountUnlockTime"] = "900",
            ["Security.PasswordHistory"] = "5",
            ["Security.PasswordQualityControl"] = "retry=3 min=disabled,disabled,disabled,disabled,15",
            ["Syslog.global.auditRecord.remoteEnable"] = "true",
            ["Syslog.global.auditRecord.storageEnable"] = "true",
            ["Syslog.global.certificate.checkSSLCerts"] = "true",
            ["Syslog.global.certificate.strictX509Compliance"] = "true",
            ["Syslog.global.logDir"] = "[] /scratch/log",
            ["Syslog.global.logHost"] = "tcp://syslog.dc.example.com:514",
            ["UserVars.DcuiTimeOut"] = "600",
            ["UserVars.ESXiShellInteractiveTimeOut"] = "900",
            ["UserVars.ESXiShellTimeOut"] = "600",
            ["UserVars.HostClientSessionTimeout"] = "900",
            ["UserVars.SuppressHyperthreadWarning"] = "0",
            ["UserVars.SuppressShellWarning"] = "0",
            ["VMkernel.Boot.execInstalledOnly"] = "true",
            // Operational settings no control reads, as every real host reports many of.
            ["DataMover.HardwareAcceleratedInit"] = "1",
            ["DataMover.HardwareAcceleratedMove"] = "1",
            ["Disk.SchedNumReqOutstanding"] = "32",
            ["Misc.BlueScreenTimeout"] = "0",
            ["NFS.HeartbeatFrequency"] = "12",
            ["NFS.MaxVolumes"] = "256",
            ["Net.TcpipHeapMax"] = "1536",
            ["Net.TcpipHeapSize"] = "32",
            ["Power.CpuPolicy"] = "Balanced",
            ["Security.PasswordMaxDays"] = "99999",
            ["Syslog.global.logDirUnique"] = "false",
            ["Syslog.loggers.vmkernel.rotate"] = "8",
            ["UserVars.SuppressCoredumpWarning"] = "0",
            ["VMFS3.HardwareAcceleratedLocking"] = "1",
        };

        // ---- VMs ---------------------------------------------------------------------------------

        private static readonly string[] GuestOses =
        {
            "Red Hat Enterprise Linux 9 (64-bit)", "Microsoft Windows Server 2022 (64-bit)", "Ubuntu Linux (64-bit)",
            "Microsoft Windows Server 2019 (64-bit)", "SUSE Linux Enterprise 15 (64-bit)", "Other 3.x or later Linux (64-bit)",
        };

        private static readonly (string Scope, string Team, string Role, string Network, int Weight)[] Workloads =
        {
            ("CDE", "Payments", "pay-db", "cde-db", 3),
            ("CDE", "Payments", "pay-app", "cde-app", 5),
            ("CDE", "Payments", "pay-web", "cde-web", 4),
            ("Connected", "Platform", "shared-svc", "shared-services", 8),
            ("Connected", "Web", "dmz-web", "dmz-web", 10),
            ("Out-of-scope", "Corp", "corp-app", "corp-app", 30),
            ("Out-of-scope", "Corp", "corp-db", "corp-db", 15),
            ("Out-of-scope", "Engineering", "dev", "dev", 15),
            ("Out-of-scope", "Engineering", "test", "test", 10),
        };

        private static readonly int WorkloadWeight = Workloads.Sum(w => w.Weight);

        private Vm NewVm(ClusterPlan plan, Dictionary<string, Host> hostById, string vmNetworkId,
            Dictionary<string, int> networkCounters, Dictionary<string, int> portCounters, int serial)
        {
            var pick = _rng.Next(WorkloadWeight);
            var w = 0;
            while (pick >= Workloads[w].Weight) pick -= Workloads[w++].Weight;
            var workload = Workloads[w];

            var candidates = workload.Role == "pay-db" ? plan.CdeHostIds
                : workload.Team == "Engineering" ? plan.GeneralHostIds
                : plan.ActiveHostIds;
            if (candidates.Count == 0) candidates = plan.ActiveHostIds;
            var hostId = candidates[_rng.Next(candidates.Count)];
            var host = hostById[hostId];

            var template = _rng.NextDouble() < 0.005;
            var roll = _rng.NextDouble();
            var power = template ? PowerState.PoweredOff : roll < 0.90 ? PowerState.PoweredOn : roll < 0.98 ? PowerState.PoweredOff : PowerState.Suspended;

            // Datastores: one or two shared ones this host mounts; a few VMs live on the host's local disk.
            var mounted = host.DatastoreIds.Where(d => plan.SharedDatastoreIds.Contains(d) || d == plan.PartialDatastoreId).ToArray();
            string[] datastoreIds;
            if (_rng.NextDouble() < 0.01)
                datastoreIds = new[] { plan.LocalDatastoreByHost[hostId] };
            else
            {
                var first = mounted[_rng.Next(mounted.Length)];
                var second = mounted[_rng.Next(mounted.Length)];
                datastoreIds = _rng.NextDouble() < 0.25 && second != first ? new[] { first, second } : new[] { first };
            }

            var nicCount = _rng.NextDouble() < 0.35 ? 2 : 1;
            var nics = new VmNic[nicCount];
            for (int n = 0; n < nicCount; n++)
            {
                var legacy = n == 0 && workload.Scope == "Out-of-scope" && _rng.NextDouble() < 0.03;
                var networkId = legacy ? vmNetworkId : plan.PortgroupByRole[n == 0 ? workload.Network : "backup"];
                networkCounters.TryGetValue(networkId, out var seq);
                networkCounters[networkId] = seq + 1;
                var ips = power == PowerState.PoweredOn
                    ? new[] { $"10.{StableOctet(networkId)}.{seq / 250 % 256}.{seq % 250 + 2}" }
                    : Array.Empty<string>();
                string portKey = null, dvsId = null;
                if (!legacy)
                {
                    portCounters.TryGetValue(plan.DvsId, out var port);
                    portCounters[plan.DvsId] = port + 1;
                    portKey = port.ToString(CultureInfo.InvariantCulture);
                    dvsId = plan.DvsId;
                }
                var mac = _nextMac++;
                nics[n] = new VmNic
                {
                    Key = 4000 + n,
                    Label = $"Network adapter {n + 1}",
                    MacAddress = $"00:50:56:{(mac >> 16) & 0x3f:x2}:{(mac >> 8) & 0xff:x2}:{mac & 0xff:x2}",
                    NetworkId = networkId,
                    DvsId = dvsId,
                    PortKey = portKey,
                    Connected = power == PowerState.PoweredOn,
                    IpAddresses = ips,
                };
            }

            var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PCI-Scope"] = workload.Scope,
                ["Owner"] = workload.Team.ToLowerInvariant() + "-ops",
            };
            var name = $"{workload.Role}-{serial + 1:D6}";
            var uuid = new byte[16];
            _rng.NextBytes(uuid);
            return new Vm
            {
                Id = NewId("vm-"),
                Name = name,
                HostId = hostId,
                PowerState = power,
                Template = template,
                Folder = $"/{DatacenterName}/vm/{workload.Team}/{plan.Name}",
                GuestOs = GuestOses[_rng.Next(GuestOses.Length)],
                InstanceUuid = new Guid(uuid).ToString(),
                Nics = nics,
                DatastoreIds = datastoreIds,
                CustomAttributes = attributes,
                Tags = workload.Scope == "Out-of-scope" ? Array.Empty<VmTag>() : new[] { new VmTag { Category = "PCI-Scope", Name = workload.Scope } },
                Annotation = _rng.NextDouble() < 0.2 ? $"{workload.Team} {workload.Role} workload, change ticket CHG{_rng.Next(100000, 999999)}" : null,
                Settings = Settings(),
            };
        }

        // The advanced settings a hardened VM has, as the pci-dss baseline expects them: a collected estate reports
        // them, so VM controls pass or fail as on a real estate, not NotEvaluated by the million.
        private static readonly IReadOnlyDictionary<string, string> HardenedExtraConfig = VirtCompliance.Controls.Baseline.Load("pci-dss").Controls
            .Where(c => c.Definition.Scope == VirtCompliance.Controls.ControlScope.Vm && c.Fact.StartsWith("vm.extraConfig:", StringComparison.Ordinal))
            .Select(c => (key: c.Fact.Substring("vm.extraConfig:".Length), value: VirtCompliance.Repair.RepairValues.ValueFor(c)))
            .Where(x => x.value != null).GroupBy(x => x.key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().value!, StringComparer.OrdinalIgnoreCase);

        // The advanced-setting keys and patterns a collection reads: every one the catalog's VM controls name.
        private static readonly string[] ReadExtraConfigKeys = VirtCompliance.Controls.ControlCatalog.BuiltIn.Controls.Select(c => c.Fact)
            .Where(f => f.StartsWith("vm.extraConfig:", StringComparison.Ordinal) || f.StartsWith("vm.extraConfigKeys:", StringComparison.Ordinal))
            .Select(f => f.Substring(f.IndexOf(':') + 1)).Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(k => k, StringComparer.Ordinal).ToArray();

        private static readonly IReadOnlyList<VmDevice> HardenedDevices = new[]
        {
            new VmDevice { Type = "VirtualDisk", Label = "Hard disk 1", DiskMode = "persistent" },
            new VmDevice { Type = "VirtualCdrom", Label = "CD/DVD drive 1", Connected = false, StartConnected = false },
        };

        /// <summary>A hardened VM's settings; one VM in 50 has console copy enabled, one in 100 a connected CD drive.</summary>
        private VmSettings Settings()
        {
            var extra = HardenedExtraConfig;
            if (_rng.NextDouble() < 0.02)
                extra = new Dictionary<string, string>(HardenedExtraConfig, StringComparer.OrdinalIgnoreCase) { ["isolation.tools.copy.disable"] = "FALSE" };
            return new VmSettings
            {
                ExtraConfig = extra, HardwareVersion = "vmx-19", Firmware = "efi", EfiSecureBootEnabled = true, LoggingEnabled = true,
                MigrateEncryption = "required", FtEncryptionMode = "ftEncryptionRequired",
                Devices = _rng.NextDouble() < 0.01 ? new[] { HardenedDevices[0], HardenedDevices[1] with { Connected = true } } : HardenedDevices,
            };
        }

        // A stable (not process-randomised) second octet per network, so that snapshot bytes repeat across runs.
        private static int StableOctet(string id)
        {
            var h = 17;
            foreach (var ch in id) h = unchecked(h * 31 + ch);
            return (h & 0x7fffffff) % 250 + 1;
        }

        // ---- DRS ---------------------------------------------------------------------------------

        private Cluster ClusterWithRules(ClusterPlan plan, Dictionary<string, Host> hostById)
        {
            var cdeHosts = new HashSet<string>(plan.CdeHostIds, StringComparer.Ordinal);
            string Role(Vm v) => v.Name.Substring(0, v.Name.LastIndexOf('-'));
            var live = plan.Vms.Where(v => !v.Template).ToArray();
            var cdeDb = live.Where(v => Role(v) == "pay-db").Select(v => v.Id).ToArray();
            var cdeApp = live.Where(v => Role(v) == "pay-app").Select(v => v.Id).ToArray();
            var devTest = live.Where(v => (Role(v) == "dev" || Role(v) == "test") && !cdeHosts.Contains(v.HostId)).Select(v => v.Id).ToArray();

            var rules = new List<ClusterRule>
            {
                new ClusterRule { Name = "pin-cde-db", Kind = ClusterRuleKind.VmHost, Mandatory = true, VmGroup = "cde-db-vms", AffineHostGroup = "cde-hosts" },
                new ClusterRule { Name = "prefer-cde-app", Kind = ClusterRuleKind.VmHost, Mandatory = false, VmGroup = "cde-app-vms", AffineHostGroup = "cde-hosts" },
                new ClusterRule { Name = "keep-dev-off-cde", Kind = ClusterRuleKind.VmHost, Mandatory = true, VmGroup = "dev-test-vms", AntiAffineHostGroup = "cde-hosts" },
                // A rule someone switched off long ago: it must not restrict anything.
                new ClusterRule { Name = "legacy-pin-web", Kind = ClusterRuleKind.VmHost, Enabled = false, Mandatory = true, VmGroup = "cde-app-vms", AffineHostGroup = "general-hosts" },
            };
            // VM-VM anti-affinity between database pairs.
            for (int i = 0; i + 1 < cdeDb.Length && i < 10; i += 2)
                rules.Add(new ClusterRule { Name = $"separate-db-{i / 2 + 1:D2}", Kind = ClusterRuleKind.VmAntiAffinity, Mandatory = true, VmIds = new[] { cdeDb[i], cdeDb[i + 1] } });

            // About 1% of VMs carry a per-VM DRS override (manual, or DRS off for the VM).
            var overrides = live.Where(_ => _rng.NextDouble() < 0.01)
                .Select(v => _rng.Next(3) == 0
                    ? new DrsVmOverride { VmId = v.Id, Enabled = false }
                    : new DrsVmOverride { VmId = v.Id, Enabled = true, Behavior = DrsAutomationLevel.Manual })
                .ToArray();

            return new Cluster
            {
                Id = plan.Id,
                Name = plan.Name,
                DatacenterId = DatacenterId,
                DrsEnabled = true,
                DrsAutomationLevel = plan.Index % 5 == 4 ? DrsAutomationLevel.PartiallyAutomated : DrsAutomationLevel.FullyAutomated,
                HaEnabled = true,
                VmGroups = new[]
                {
                    new ClusterGroup { Name = "cde-db-vms", Members = cdeDb },
                    new ClusterGroup { Name = "cde-app-vms", Members = cdeApp },
                    new ClusterGroup { Name = "dev-test-vms", Members = devTest },
                },
                HostGroups = new[]
                {
                    new ClusterGroup { Name = "cde-hosts", Members = plan.CdeHostIds.ToArray() },
                    new ClusterGroup { Name = "general-hosts", Members = plan.GeneralHostIds.ToArray() },
                },
                Rules = rules,
                DrsVmOverrides = overrides,
            };
        }
    }
}
