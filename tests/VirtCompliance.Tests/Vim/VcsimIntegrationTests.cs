using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Drift;
using VirtCompliance.Model;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Xunit;
using Inv = VirtCompliance.Model.Inventory;
using VirtCompliance.Scope;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>The vim25 client and collector against the real simulator, checked against pyVmomi reading the same simulator.</summary>
    [Collection("vcsim")]
    public class VcsimIntegrationTests
    {
        private static readonly VimConnectionOptions Lab = new VimConnectionOptions { SkipCertificateCheck = true };

        private static VimClient Connect(VcsimServer sim, VimConnectionOptions options = null) =>
            VimClient.ConnectAsync(sim.Url, sim.Credential, options ?? Lab, CancellationToken.None).GetAwaiter().GetResult();

        private static Inv Collect(VimClient client, IReadOnlyCollection<string> clusters = null) =>
            new InventoryCollector(client).CollectAsync(clusters, CancellationToken.None).GetAwaiter().GetResult();

        /// <summary>Runs a script of tests/pyvmomi with Debian's python3 (where python3-pyvmomi lives), the password on stdin; returns its stdout.</summary>
        internal static string Python(string script, VcsimServer sim, params string[] args)
        {
            var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(VirtCompliance.Tests.Lab.RepositoryRoot, "tests", "pyvmomi", script));
            psi.ArgumentList.Add(sim.Url.ToString());
            psi.ArgumentList.Add(sim.User);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi))
            {
                p.StandardInput.WriteLine(sim.Password);
                p.StandardInput.Close();
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                Assert.True(p.WaitForExit(120000), $"{script} did not finish");
                Assert.True(p.ExitCode == 0, $"{script} failed ({p.ExitCode}): {stderr.Result}");
                return stdout.Result;
            }
        }

        [Fact]
        public void The_collected_inventory_matches_what_pyvmomi_reads()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                // One host with lockdown exception users, set through the standard API, so that a list is compared, not only emptiness.
                var excepted = Collect(client).Hosts.OrderBy(h => h.Name, StringComparer.Ordinal).First();
                Python("seed_host_access.py", sim, excepted.Name, "svc-backup,svc-monitor");
                var inv = Collect(client);
                var py = JObject.Parse(Python("read_inventory.py", sim));
                var pyHosts = (JObject)py["hosts"];
                Assert.Equal(new[] { "svc-backup", "svc-monitor" }, inv.GetHost(excepted.Id).LockdownExceptionUsers);
                Assert.Equal(pyHosts.Properties().Select(p => p.Name).OrderBy(n => n), inv.Hosts.Select(h => h.Id).OrderBy(n => n));
                foreach (var host in inv.Hosts)
                {
                    var p = pyHosts[host.Id];
                    Assert.Equal((string)p["name"], host.Name);
                    Assert.Equal((string)p["cluster"], host.ClusterId);
                    Assert.Equal((bool)p["incomingBlocked"], host.Firewall.IncomingBlocked);
                    Assert.Equal(((JObject)p["rulesets"]).Properties().ToDictionary(r => r.Name, r => (bool)r.Value),
                        host.Firewall.Rulesets.ToDictionary(r => r.Key, r => r.Enabled));
                    Assert.Equal(((JObject)p["services"]).Properties().ToDictionary(s => s.Name, s => ((bool)s.Value["running"], (string)s.Value["policy"])),
                        host.Services.ToDictionary(s => s.Key, s => (s.Running, s.Policy.ToString().ToLowerInvariant())));
                    Assert.Equal(((JObject)p["options"]).Properties().ToDictionary(o => o.Name, o => (string)o.Value),
                        host.AdvancedOptions.ToDictionary(o => o.Key, o => o.Value));
                    Assert.Equal((string)p["acceptanceLevel"], host.AcceptanceLevel);
                    Assert.Equal(p["packages"].Type == JTokenType.Null ? Array.Empty<string>() : p["packages"].Values<string>().ToArray(),
                        host.Packages.Select(k => k.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
                    Assert.NotEmpty(host.Firewall.Rulesets);
                    Assert.NotEmpty(host.Services);
                    Assert.Equal(((JObject)p["rulesetAllIp"]).Properties().ToDictionary(r => r.Name, r => (bool)r.Value),
                        host.Firewall.Rulesets.ToDictionary(r => r.Key, r => r.AllowedAllIp));
                    // Fields pyVmomi 6.7.1 predates, read by the script over pyVmomi's session with an 8.0.2.0 request.
                    Assert.Equal(((JObject)p["ipListUserConfigurable"]).Properties().ToDictionary(r => r.Name, r => (bool?)r.Value),
                        host.Firewall.Rulesets.ToDictionary(r => r.Key, r => r.IpListUserConfigurable));
                    Assert.Contains(host.Firewall.Rulesets, r => r.IpListUserConfigurable == false);
                    Assert.Contains(host.Firewall.Rulesets, r => r.IpListUserConfigurable == true);
                    Assert.Equal((bool?)p["uefiSecureBoot"], host.UefiSecureBoot);
                    Assert.NotNull(host.UefiSecureBoot);
                    Assert.Equal(p["lockdownExceptions"].Values<string>(), host.LockdownExceptionUsers);
                    Assert.Equal(((JObject)p["vmknics"]).Properties().ToDictionary(n => n.Name, n => string.Join(",", n.Value.Values<string>())),
                        host.VmkernelNics!.ToDictionary(n => n.Device, n => string.Join(",", n.Services)));
                    Assert.NotEmpty(host.VmkernelNics);
                    Assert.Equal(p["iscsi"].Values<string>(), host.IscsiAdapters!.Select(a => a.Device));
                    foreach (var area in new[] { DataArea.Firewall, DataArea.LockdownExceptions, DataArea.VmkernelNics, DataArea.StorageAdapters, DataArea.SecureBoot })
                        Assert.Null(DataArea.Reason(host.NotReported, area));
                }
                var pyVms = (JObject)py["vms"];
                Assert.Equal(pyVms.Properties().Select(p => p.Name).OrderBy(n => n), inv.Vms.Select(v => v.Id).OrderBy(n => n));
                foreach (var vm in inv.Vms)
                {
                    var p = pyVms[vm.Id];
                    Assert.Equal((string)p["name"], vm.Name);
                    Assert.Equal((string)p["host"], vm.HostId);
                    Assert.Equal(p["nics"].Values<string>(), vm.Nics.Select(n => n.NetworkId));
                    AssertSameSettings(p, vm);
                }
                var pyClusters = (JObject)py["clusters"];
                foreach (var cluster in inv.Clusters)
                {
                    var p = pyClusters[cluster.Id];
                    Assert.Equal((string)p["name"], cluster.Name);
                    Assert.Equal((bool)p["drs"], cluster.DrsEnabled);
                    Assert.Equal(p["rules"].Values<string>(), cluster.Rules.Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal));
                    Assert.Equal((string)p["evc"], cluster.EvcMode);
                }
                Assert.NotEmpty(inv.Vms);
                Assert.NotEmpty(inv.Clusters);
            }
        }

        [Fact]
        public void Drift_made_through_the_standard_api_is_reported()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var before = Collect(client);
                var target = before.Hosts.First(h => h.ClusterId != null);
                Python("make_drift.py", sim, target.Name);
                var after = Collect(client);
                var drift = VirtCompliance.Assessments.Assessment.Drift(after, new VirtCompliance.Assessments.AssessmentOptions { Peer = true }).Hosts;
                var onTarget = drift.Where(d => d.HostId == target.Id && d.Outcome == Outcome.Fail).Select(d => d.ControlId).ToList();
                Assert.Contains("esx-9.ssh", onTarget);
                Assert.Contains("esx-9.shell-interactive-timeout", onTarget);
                Assert.Contains("vc.package-installed:acme-ids-sensor", onTarget);
                Assert.DoesNotContain(after.GetHost(target.Id).Packages, p => p.Name == "acme-ids-sensor");
                Assert.Contains(drift, d => d.HostId == target.Id && d.ControlId.StartsWith("esx-9.firewall", StringComparison.Ordinal));
                Assert.DoesNotContain(drift, d => d.HostId != target.Id && d.ClusterId == target.ClusterId && d.Outcome == Outcome.Fail);
            }
        }

        /// <summary>The VM settings the collector read are what pyVmomi reads: the advanced settings it keeps, flags, boot, encryption, the devices controls read.</summary>
        private static void AssertSameSettings(JToken p, Vm vm)
        {
            var s = vm.Settings;
            Assert.NotNull(s);
            var wanted = new InventoryMapping();
            var pyExtra = ((JObject)p["extraConfig"]).Properties().Where(o => wanted.VmExtraConfigKeys.Covers(o.Name)).ToDictionary(o => o.Name, o => (string)o.Value);
            Assert.Equal(pyExtra.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase), s.ExtraConfig.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase));
            Assert.Equal((string)p["version"], s.HardwareVersion);
            Assert.Equal((string)p["firmware"], s.Firmware);
            Assert.Equal((string)p["migrateEncryption"], s.MigrateEncryption);
            Assert.Equal((bool?)p["enableLogging"], s.LoggingEnabled);
            // A BIOS VM that reports no secure boot value does not have secure boot.
            Assert.Equal((bool?)p["efiSecureBootEnabled"] ?? ((string)p["firmware"] == "bios" ? false : (bool?)null), s.EfiSecureBootEnabled);
            var pyDevices = p["devices"].Where(d => VirtCompliance.Vim.Collector.Mappers.VmMapper.ControlDeviceTypes.Contains((string)d["type"]))
                .Select(d => ((string)d["type"], (string)d["label"], (bool?)d["connected"], (bool?)d["startConnected"], (string)d["diskMode"])).ToArray();
            Assert.Equal(pyDevices, s.Devices.Select(d => (d.Type, d.Label, d.Connected, d.StartConnected, d.DiskMode)).ToArray());
        }

        [Fact]
        public void VM_settings_set_to_failing_values_with_pyvmomi_fail_exactly_that_VM_on_exactly_those_controls()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var scg = Baseline.Load("scg");
                VmControlDrift[] Fails(Inv inv) => VirtCompliance.Assessments.Assessment.Drift(inv, new VirtCompliance.Assessments.AssessmentOptions
                {
                    Baseline = scg, Objects = new[] { ControlScope.Vm },
                }).Vms.Where(d => d.Outcome == Outcome.Fail).ToArray();
                var target = Collect(client).Vms.First(v => v.HostId != null);
                // First the settings without a safe default are made to pass, so that each planted value turns a pass into a fail.
                Assert.Contains("migrateEncryption=required", Python("make_vm_drift.py", sim, target.Name, "harden"));
                var before = Collect(client);
                var changed = Python("make_vm_drift.py", sim, target.Name, "drift");
                Assert.Contains("isolation.tools.copy.disable=FALSE", changed);
                var after = Collect(client);

                var planted = new[]
                {
                    "vm-9.deactivate-console-copy", "vm-9.deactivate-console-paste", "vm-9.isolation-tools-dnd-deactivate",
                    "vm-9.deactivate-disk-shrinking-shrink", "vm-9.deactivate-disk-shrinking-wiper", "vm-9.isolation-device-connectable-deactivate",
                    "vm-9.deactivate-non-essential-3d-features", "vm-9.restrict-host-info", "vm-9.vmrc-lock", "vm-9.limit-console-connections",
                    "vm-9.limit-setinfo-size", "vm-9.log-retention", "vm-9.log-rotation-size", "vm-9.transparentpagesharing-inter-vm-enabled",
                    "vm-9.dvfilter", "vm-9.efi-boot-types", "vm-9.log-enable", "vm-9.vmotion-encrypted", "vm-9.persistent-disk",
                };
                var beforeFails = Fails(before).Select(d => (d.VmId, d.ControlId)).ToHashSet();
                var afterFails = Fails(after).Select(d => (d.VmId, d.ControlId)).ToHashSet();
                foreach (var control in planted)
                {
                    Assert.DoesNotContain((target.Id, control), beforeFails);
                    Assert.Contains((target.Id, control), afterFails);
                }
                // Nothing changed anywhere else: every other VM fails exactly what it failed before.
                Assert.Equal(beforeFails.Where(f => f.VmId != target.Id).OrderBy(f => f), afterFails.Where(f => f.VmId != target.Id).OrderBy(f => f));
                // The devices added are read, with the STIG's per-kind findings on the same VM only.
                var devices = after.GetVm(target.Id).Settings.Devices.Select(d => d.Type).ToArray();
                Assert.Contains("VirtualFloppy", devices);
                Assert.Contains("VirtualParallelPort", devices);
                var stig = Baseline.Parse(new MemoryStream(Encoding.UTF8.GetBytes(
                    "{\"name\":\"t\",\"controls\":[{\"id\":\"vc.vm-floppy\"},{\"id\":\"vc.vm-serial\"},{\"id\":\"vc.vm-parallel\"},{\"id\":\"vc.vm-usb\"}]}")), "t.json", "test");
                var stigFails = VirtCompliance.Assessments.Assessment.Drift(after, new VirtCompliance.Assessments.AssessmentOptions { Baseline = stig, Objects = new[] { ControlScope.Vm } })
                    .Vms.Where(d => d.Outcome == Outcome.Fail).ToArray();
                Assert.Equal(new[] { "vc.vm-floppy", "vc.vm-parallel", "vc.vm-serial", "vc.vm-usb" }, stigFails.Select(d => d.ControlId).OrderBy(c => c, StringComparer.Ordinal));
                Assert.All(stigFails, d => Assert.Equal(target.Id, d.VmId));

                // pyVmomi reads the planted values back as the collector did.
                var py = JObject.Parse(Python("read_inventory.py", sim));
                foreach (var vm in after.Vms) AssertSameSettings(py["vms"][vm.Id], vm);
                Assert.Equal("FALSE", (string)py["vms"][target.Id]["extraConfig"]["isolation.tools.copy.disable"]);
                // Fault Tolerance encryption (7.0 U2) is newer than pyVmomi 6.7.1: the simulator serves it to a client that names 7.0.2.0 or later.
                Assert.All(after.Vms, v => Assert.Equal("ftEncryptionOpportunistic", v.Settings.FtEncryptionMode));
                Assert.Contains(Fails(after), f => f.VmId == target.Id && f.ControlId == "vm-9.ft-encrypted");
            }
        }

        /// <summary>The switch, portgroup and vCenter settings the collector read are what pyVmomi reads.</summary>
        private static void AssertSameEstate(JObject py, Inv inv)
        {
            foreach (var dvs in inv.DistributedSwitches)
            {
                var p = py["switches"][dvs.Id];
                var s = dvs.Settings;
                Assert.NotNull(s);
                Assert.Equal(((bool?)p["allowPromiscuous"], (bool?)p["macChanges"], (bool?)p["forgedTransmits"]), (s.Security.AllowPromiscuous, s.Security.MacChanges, s.Security.ForgedTransmits));
                Assert.Equal((string)p["discoveryOperation"], s.DiscoveryOperation);
                Assert.Equal((string)p["ipfixCollector"], s.IpfixCollector);
                Assert.Equal(p["mirrorSessions"].Values<string>(), s.MirrorSessions);
                Assert.Equal((bool?)p["nioc"], s.NetworkResourceManagementEnabled);
            }
            foreach (var pg in inv.Networks.Where(n => n.Kind == NetworkKind.DistributedPortgroup && !n.IsUplink))
            {
                var p = py["portgroups"][pg.Id];
                Assert.Equal(((bool?)p["reset"], (bool?)p["ipfix"], (bool?)p["macLearning"]), (pg.Policy.PortConfigResetAtDisconnect, pg.Policy.IpfixEnabled, pg.Policy.MacLearningEnabled));
                Assert.Equal(p["overrides"].Values<string>(), pg.Policy.OverridesAllowed);
            }
            foreach (var key in inv.VCenter.SettingKeys)
                Assert.Equal((string)py["vcenter"][key], inv.VCenter.Settings.TryGetValue(key, out var v) ? v : null);
            var a = inv.VCenter.Appliance;
            var pa = py["appliance"];
            Assert.Equal(((bool?)pa["ssh"], (string)pa["timesync"], (long?)pa["maxDays"]), (a.SshEnabled, a.TimeSync, a.PasswordMaxDays));
            Assert.Equal(pa["ntp"].Values<string>(), a.NtpServers);
            Assert.Equal(pa["forwarding"].Values<string>(), a.LogForwarding);
        }

        [Fact]
        public void Switch_portgroup_and_vCenter_settings_set_to_failing_values_with_pyvmomi_fail_exactly_those_objects()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var scg = Baseline.Load("scg");
                HashSet<(string, string)> Fails(Inv inv)
                {
                    var drift = VirtCompliance.Assessments.Assessment.Drift(inv, new VirtCompliance.Assessments.AssessmentOptions { Baseline = scg });
                    return drift.Networks.Where(d => d.Outcome == Outcome.Fail).Select(d => (d.NetworkId, d.ControlId))
                        .Concat(drift.Estate.Where(d => d.Outcome == Outcome.Fail).Select(d => (d.ObjectId, d.ControlId))).ToHashSet();
                }
                var before = Collect(client);
                Assert.Equal(sim.Url.Authority, before.VCenter.Name);
                AssertSameEstate(JObject.Parse(Python("read_inventory.py", sim)), before);
                var dvs = before.DistributedSwitches.First();
                var portgroup = before.Networks.First(n => n.DvsId == dvs.Id && !n.IsUplink && n.Kind == NetworkKind.DistributedPortgroup);
                Python("make_estate_drift.py", sim, dvs.Name, portgroup.Name);
                var after = Collect(client);

                var vcenter = "vcenter:" + after.Source;
                var planted = new[]
                {
                    (dvs.Id, "vc.dvswitch-reject-promiscuous-mode"), (dvs.Id, "vcenter-9.network-restrict-discovery-protocol"),
                    (dvs.Id, "vcenter-9.network-restrict-netflow-usage"), (dvs.Id, "vcenter-9.network-restrict-port-mirroring"), (dvs.Id, "vcenter-9.network-nioc"),
                    (portgroup.Id, "vcenter-9.network-reset-port"), (portgroup.Id, "vcenter-9.network-restrict-port-level-overrides"),
                    (portgroup.Id, "vc.dvportgroup-netflow-disabled"), (portgroup.Id, "vcenter-9.network-mac-learning"),
                    (vcenter, "vcenter-9.events-remote-logging"), (vcenter, "vcenter-9.logs-level-global"), (vcenter, "vcenter-9.vpxuser-rotation"),
                    (vcenter, "vcenter-9.vpxuser-length"), (vcenter, "vcenter-9.etc-issue"), (vcenter, "vcenter-9.events-database-retention"),
                    (vcenter, "vc.tasks-database-retention"), (vcenter, "vcenter-9.smtp"),
                    (vcenter, "vcenter-9.ssh"), (vcenter, "vcenter-9.time"), (vcenter, "vc.vcenter-ntp-servers"), (vcenter, "vcenter-9.vami-password-max-age"),
                };
                var beforeFails = Fails(before);
                var afterFails = Fails(after);
                // A new switch's CDP listen, a new vCenter's empty mail server, no syslog forwarding and 90-day
                // appliance passwords already fail the guide; every other planted value turns a pass into a fail.
                var failingByDefault = new[]
                {
                    (dvs.Id, "vcenter-9.network-restrict-discovery-protocol"), (vcenter, "vcenter-9.smtp"), (vcenter, "vcenter-9.vami-password-max-age"),
                    (vcenter, "vcenter-9.log-forwarding"),
                };
                Assert.Contains((vcenter, "vcenter-9.log-forwarding"), afterFails);
                Assert.All(failingByDefault, f => Assert.Contains(f, beforeFails));
                foreach (var f in planted)
                {
                    if (!failingByDefault.Contains(f)) Assert.DoesNotContain(f, beforeFails);
                    Assert.Contains(f, afterFails);
                }
                // Nothing else changed: the other objects fail what they failed before, and these objects nothing more.
                Assert.Equal(beforeFails.Except(planted).OrderBy(f => f), afterFails.Except(planted).OrderBy(f => f));
                AssertSameEstate(JObject.Parse(Python("read_inventory.py", sim)), after);
            }
        }

        /// <summary>Each host's ESXCLI answers as the collector read them are what pyVmomi's independent client reads (esxcli.py).</summary>
        private static void AssertSameEsxCli(JObject py, Inv inv)
        {
            foreach (var host in inv.Hosts)
            {
                var answers = (JObject)py["hosts"][host.Id]["esxcli"];
                Assert.NotNull(host.EsxCli);
                Assert.Equal(answers.Properties().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal), host.EsxCli.Keys.OrderBy(n => n, StringComparer.Ordinal));
                foreach (var command in answers.Properties())
                    Assert.Equal(((JArray)command.Value).Select(r => ((JObject)r).Properties().ToDictionary(f => f.Name, f => (string)f.Value)),
                        host.EsxCli[command.Name].Select(r => r.ToDictionary(kv => kv.Key, kv => kv.Value)));
            }
        }

        [Fact]
        public void Esxcli_settings_set_to_failing_values_with_pyvmomi_fail_exactly_those_hosts_and_controls()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var baselines = new[] { Baseline.Load("scg"), Baseline.Load("stig") };
                var esxcliIds = new HashSet<string>(ControlCatalog.BuiltIn.Controls.Where(c => c.Fact.StartsWith(Facts.EsxCliPrefix, StringComparison.Ordinal)).Select(c => c.Id), StringComparer.Ordinal);
                HashSet<(string, string)> Fails(Inv inv) => baselines.SelectMany(b => VirtCompliance.Assessments.Assessment.Drift(inv, new VirtCompliance.Assessments.AssessmentOptions { Baseline = b, IncludePass = true }).Hosts)
                    .Where(d => esxcliIds.Contains(d.ControlId) || d.ControlId == "vc.log-audit-directory-on-scratch")
                    .Select(d => { Assert.NotEqual(Outcome.NotEvaluated, d.Outcome); return d; })
                    .Where(d => d.Outcome == Outcome.Fail).Select(d => (d.HostId, d.ControlId)).ToHashSet();
                var hosts = Collect(client).Hosts.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
                Assert.True(hosts.Count >= 3);
                // A new host fails some of the guide (TLS profile COMPATIBLE, dcui with a shell): harden every host first.
                Assert.NotEmpty(Fails(Collect(client)));
                Python("make_host_esxcli_drift.py", sim, new[] { "--mode", "harden" }.Concat(hosts.Select(h => h.Name)).ToArray());
                var hardened = Collect(client);
                Assert.Empty(Fails(hardened));
                AssertSameEsxCli(JObject.Parse(Python("read_inventory.py", sim)), hardened);

                Python("make_host_esxcli_drift.py", sim, hosts.Take(3).Select(h => h.Name).ToArray());
                var drifted = Collect(client);
                var planted = new[]
                {
                    (hosts[0].Id, "vc.ssh-ciphers"), (hosts[0].Id, "vc.ssh-allowtcpforwarding"),
                    (hosts[1].Id, "esx-9.disable-accounts-dcui"), (hosts[1].Id, "esx-9.log-filter"), (hosts[1].Id, "esx-9.tls-ciphers"), (hosts[1].Id, "vc.tls-profile-at-boot"),
                    (hosts[2].Id, "esx-9.key-persistence"), (hosts[2].Id, "esx-9.tpm-configuration"), (hosts[2].Id, "esx-9.secureboot-enforcement"),
                    (hosts[2].Id, "vc.entropy-sources"), (hosts[2].Id, "esx-9.log-persistent"), (hosts[2].Id, "esx-9.log-audit-persistent"), (hosts[2].Id, "vc.snmp-agent-disabled"),
                };
                Assert.Equal(planted.OrderBy(f => f), Fails(drifted).OrderBy(f => f));
                var ciphers = VirtCompliance.Assessments.Assessment.Drift(drifted, new VirtCompliance.Assessments.AssessmentOptions { Baseline = baselines[0], ControlIds = new[] { "vc.ssh-ciphers" } }).Hosts.Single();
                Assert.Equal((hosts[0].Id, "aes128-cbc,3des-cbc"), (ciphers.HostId, ciphers.Actual));
                AssertSameEsxCli(JObject.Parse(Python("read_inventory.py", sim)), drifted);
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task A_wrong_password_is_one_clear_error()
        {
            using (var sim = new VcsimServer())
            {
                var ex = await Assert.ThrowsAsync<InvalidLoginException>(() =>
                    VimClient.ConnectAsync(sim.Url, new System.Net.NetworkCredential(sim.User, "wrong"), Lab, CancellationToken.None));
                Assert.DoesNotContain("wrong", ex.Message);
            }
        }

        [Fact]
        public void A_self_signed_certificate_is_refused_unless_skipped_or_pinned()
        {
            using (var sim = new VcsimServer())
            {
                Assert.Equal("https", sim.Url.Scheme);
                var ex = Assert.Throws<VimConnectionException>(() => Connect(sim, new VimConnectionOptions()));
                Assert.Contains("not trusted", ex.Message);
                Assert.Contains(sim.Thumbprint, ex.Message);
                using (var pinned = Connect(sim, new VimConnectionOptions { CertificateThumbprint = sim.Thumbprint }))
                    Assert.True(pinned.LoggedIn);
                Assert.Throws<VimConnectionException>(() => Connect(sim, new VimConnectionOptions { CertificateThumbprint = "00:11:22" }));
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task An_unreachable_server_says_so()
        {
            int port;
            using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            }
            var ex = await Assert.ThrowsAsync<VimConnectionException>(() =>
                VimClient.ConnectAsync(new Uri($"https://127.0.0.1:{port}/sdk"), new System.Net.NetworkCredential("u", "p"), Lab, CancellationToken.None));
            Assert.Contains("Cannot reach", ex.Message);
        }

        [Fact]
        public void Pages_return_every_object_exactly_once()
        {
            using (var sim = new VcsimServer())
            using (var whole = Connect(sim))
            using (var paged = Connect(sim, new VimConnectionOptions { SkipCertificateCheck = true, PageSize = 3 }))
            {
                var methods = new List<string>();
                paged.RequestObserver = (m, _) => methods.Add(m);
                var a = Collect(whole);
                var b = Collect(paged);
                Assert.Contains("ContinueRetrievePropertiesEx", methods);
                Assert.Equal(a.Hosts.Select(h => h.Id), b.Hosts.Select(h => h.Id));
                Assert.Equal(a.Vms.Select(v => v.Id), b.Vms.Select(v => v.Id));
                Assert.Equal(a.Networks.Select(n => n.Id), b.Networks.Select(n => n.Id));
            }
        }

        [Fact]
        public void The_server_dying_mid_collection_is_a_clear_error()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim, new VimConnectionOptions { SkipCertificateCheck = true, PageSize = 2, RequestTimeout = TimeSpan.FromSeconds(30) }))
            {
                client.RequestObserver = (method, _) => { if (method == "ContinueRetrievePropertiesEx") sim.Kill(); };
                var ex = Assert.Throws<VimConnectionException>(() => Collect(client));
                Assert.Contains(sim.Url.Authority, ex.Message);
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task An_expired_session_logs_in_again_without_the_caller_noticing()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                // End the session behind the client's back, as a vCenter does when it times out.
                using (var logout = new SoapWriter("Logout", client.SessionManager))
                    await client.InvokeAsync(logout, CancellationToken.None, retryLogin: false);
                var logins = 0;
                client.RequestObserver = (m, _) => { if (m == "Login") logins++; };
                var inv = Collect(client);
                Assert.NotEmpty(inv.Hosts);
                Assert.Equal(1, logins);
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task Every_request_body_the_client_writes_matches_the_vim25_schema()
        {
            using (var sim = new VcsimServer())
            {
                var bodies = new List<(string method, byte[] body)>();
                using (var client = await VimClient.ConnectAsync(sim.Url, sim.Credential, new VimConnectionOptions { SkipCertificateCheck = true, PageSize = 5 },
                    CancellationToken.None, (m, b) => bodies.Add((m, b))))
                {
                    await new InventoryCollector(client).CollectAsync(null, CancellationToken.None);
                    await client.LogoutAsync(CancellationToken.None);
                }
                foreach (var method in new[] { "RetrieveServiceContent", "Login", "CreateContainerView", "RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "DestroyView", "Logout" })
                    Assert.Contains(bodies, b => b.method == method);
                foreach (var (method, body) in bodies)
                    Assert.True(VimSchema.Validate(body).Count == 0, method + ": " + string.Join("; ", VimSchema.Validate(body)));
            }
        }

        [Fact]
        public void Tags_from_the_rest_api_decide_pci_scope()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var vm = Collect(client).Vms.First();
                TagVm(sim, vm.Id, "PCI-Scope", "CDE");
                var inv = Collect(client);
                var tagged = inv.GetVm(vm.Id);
                Assert.Contains(tagged.Tags, t => t.Category == "PCI-Scope" && t.Name == "CDE");
                var scope = VirtCompliance.Scope.PciScopeClassifier.Classify(inv, new VirtCompliance.Scope.ScopeSources()).Single(s => s.VmId == vm.Id);
                Assert.Equal((VirtCompliance.Scope.PciScope.Cde, "tag PCI-Scope/CDE"), (scope.Scope, scope.Source));
            }
        }

        private static SoapWriter Migrate(string vmId, string hostId) =>
            new SoapWriter("MigrateVM_Task", new VimRef("VirtualMachine", vmId)).Ref("host", new VimRef("HostSystem", hostId)).Text("priority", "defaultPriority");

        [Fact]
        public async System.Threading.Tasks.Task A_task_is_waited_for_and_its_effect_is_collected()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var inv = Collect(client);
                var vm = inv.Vms.First(v => inv.GetHost(v.HostId)?.ClusterId != null);
                var target = inv.HostsInCluster(inv.GetHost(vm.HostId).ClusterId).First(h => h.Id != vm.HostId);
                using (var w = Migrate(vm.Id, target.Id))
                {
                    Assert.Empty(VimSchema.Validate(w.ToArray()));
                }
                using (var w = Migrate(vm.Id, target.Id))
                    await client.InvokeTaskAsync(w, TimeSpan.FromMinutes(1), CancellationToken.None);
                Assert.Equal(target.Id, Collect(client).GetVm(vm.Id).HostId);
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task A_failed_task_throws_its_fault_and_a_missing_object_is_named()
        {
            using (var sim = new VcsimServer())
            using (var client = Connect(sim))
            {
                var inv = Collect(client);
                var vm = inv.Vms.First(v => inv.GetHost(v.HostId)?.ClusterId != null);
                // A host in maintenance mode takes no VMs, so the migration task fails.
                var elsewhere = inv.HostsInCluster(inv.GetHost(vm.HostId).ClusterId).First(h => h.Id != vm.HostId && !inv.Vms.Any(v => v.HostId == h.Id && v.PowerState == PowerState.PoweredOn));
                using (var enter = new SoapWriter("EnterMaintenanceMode_Task", new VimRef("HostSystem", elsewhere.Id)).Int("timeout", 0))
                    await client.InvokeTaskAsync(enter, TimeSpan.FromMinutes(1), CancellationToken.None);
                Assert.True(Collect(client).GetHost(elsewhere.Id).InMaintenanceMode);
                using (var w = Migrate(vm.Id, elsewhere.Id))
                {
                    var fault = await Assert.ThrowsAnyAsync<VimFaultException>(() => client.InvokeTaskAsync(w, TimeSpan.FromMinutes(1), CancellationToken.None));
                    Assert.False(string.IsNullOrEmpty(fault.FaultType));
                }
                using (var w = Migrate(vm.Id, "host-99999"))
                {
                    var missing = await Assert.ThrowsAsync<ManagedObjectNotFoundException>(() => client.InvokeTaskAsync(w, TimeSpan.FromMinutes(1), CancellationToken.None));
                    Assert.Contains("host-99999", missing.Message);
                }
                Assert.Equal(vm.HostId, Collect(client).GetVm(vm.Id).HostId);
            }
        }

        /// <summary>Creates a category and tag through the CIS REST API and attaches the tag to a VM, as the vSphere Client would.</summary>
        private static void TagVm(VcsimServer sim, string vmId, string category, string tag)
        {
            using (var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
            using (var http = new HttpClient(handler) { BaseAddress = new Uri(sim.Url, "/rest/com/vmware/cis/") })
            {
                JToken Post(string path, object body)
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(JToken.FromObject(body).ToString(), Encoding.UTF8, "application/json") };
                    var response = http.SendAsync(request).GetAwaiter().GetResult();
                    var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                    Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
                    return text.Length == 0 ? null : JToken.Parse(text)["value"];
                }
                var login = new HttpRequestMessage(HttpMethod.Post, "session");
                login.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(sim.User + ":" + sim.Password)));
                var session = (string)JToken.Parse(http.SendAsync(login).GetAwaiter().GetResult().Content.ReadAsStringAsync().GetAwaiter().GetResult())["value"];
                http.DefaultRequestHeaders.Add("vmware-api-session-id", session);
                var categoryId = (string)Post("tagging/category", new { create_spec = new { name = category, description = "", cardinality = "SINGLE", associable_types = new string[0] } });
                var tagId = (string)Post("tagging/tag", new { create_spec = new { name = tag, description = "", category_id = categoryId } });
                Post($"tagging/tag-association/id:{tagId}?~action=attach", new { object_id = new { id = vmId, type = "VirtualMachine" } });
            }
        }
    }

    [CollectionDefinition("vcsim", DisableParallelization = true)]
    public sealed class VcsimCollection { }
}
