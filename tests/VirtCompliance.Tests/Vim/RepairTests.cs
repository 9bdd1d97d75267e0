using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Newtonsoft.Json.Linq;
using VirtCompliance.Repair;
using VirtCompliance.Tests.Cmdlets;
using Xunit;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>
    /// Repair-HostControlDrift and Undo-ControlRepair against the simulator: pyVmomi plants the drift and
    /// reads the values back, so what the module says it changed is checked by another client.
    /// </summary>
    [Collection("vcsim")]
    public class RepairTests
    {
        private const string Connect = "$null = Connect-VirtServer -Server $url -Credential $cred -SkipCertificateCheck; ";
        private static readonly string[] Planted =
        {
            "esx-9.firewall-incoming-default", "esx-9.ssh", "esx-9.shell-interactive-timeout", "esx-9.account-lockout-duration", "esx-9.dcui-timeout",
            "vc.ssh-ciphers", "esx-9.disable-accounts-dcui", "esx-9.log-filter",
        };

        private static PSCredential Credential(VcsimServer sim)
        {
            var password = new System.Security.SecureString();
            foreach (var ch in sim.Password) password.AppendChar(ch);
            return new PSCredential(sim.User, password);
        }

        /// <summary>What pyVmomi reads of the planted settings, per host name.</summary>
        private static (string firewall, string ssh, string shellTimeout, string unlock, string dcuiTimeout, string ciphers, string dcuiShell, string logFilter) Read(JObject py, string hostId)
        {
            var h = py["hosts"]![hostId]!;
            string Esx(string command, string keyField, string key, string field) =>
                (string)((JArray)h["esxcli"]![command]!).First(r => (string)r[keyField]! == key)[field]!;
            return (((bool)h["incomingBlocked"]!).ToString().ToLowerInvariant(), $"{(bool)h["services"]!["TSM-SSH"]!["running"]!} {h["services"]!["TSM-SSH"]!["policy"]}",
                (string)h["options"]!["UserVars.ESXiShellInteractiveTimeOut"]!, (string)h["options"]!["Security.AccountUnlockTime"]!, (string)h["options"]!["UserVars.DcuiTimeOut"]!,
                Esx("system.ssh.server.config.list", "Key", "ciphers", "Value"), Esx("system.account.list", "UserID", "dcui", "Shellaccess"),
                (string)((JArray)h["esxcli"]!["system.syslog.config.logfilter.get"]!)[0]["LogFilteringEnabled"]!);
        }

        [Fact]
        public void Planted_drift_is_repaired_verified_and_undone_and_WhatIf_changes_nothing()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var cred = Credential(sim);
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", cred), ("ids", Planted), ("backup", Path.Combine(temp.Path, "backup.json")) };
            var (hostsOut, _) = CmdletTests.Run(Connect + "(Get-VirtInventory).Hosts | Sort-Object Name | Select-Object -First 3 | ForEach-Object { '{0}|{1}' -f $_.Name, $_.Id }", vars);
            var hosts = hostsOut.Cast<string>().Select(s => (name: s.Split('|')[0], id: s.Split('|')[1])).ToArray();
            VcsimIntegrationTests.Python("make_repair_drift.py", sim, hosts.Select(h => h.name).ToArray());
            var planted = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            Assert.Equal(("false", "True on", "3600"), (Read(planted, hosts[0].id).firewall, Read(planted, hosts[0].id).ssh, Read(planted, hosts[0].id).shellTimeout));

            // -WhatIf: every planted (host, control) Planned, from what to what; the server unchanged.
            var (plan, planErrors) = CmdletTests.Run(Connect + "Get-HostControlDrift -Baseline scg -ControlId $ids | Repair-HostControlDrift -WhatIf", vars);
            Assert.Empty(planErrors);
            var planned = plan.OfType<ControlRepair>().ToList();
            var expected = new[]
            {
                (hosts[0].id, "esx-9.firewall-incoming-default"), (hosts[0].id, "esx-9.ssh"), (hosts[0].id, "esx-9.shell-interactive-timeout"),
                (hosts[1].id, "esx-9.account-lockout-duration"), (hosts[1].id, "esx-9.dcui-timeout"),
                (hosts[2].id, "vc.ssh-ciphers"), (hosts[2].id, "esx-9.disable-accounts-dcui"),
            };
            foreach (var e in expected) Assert.Contains(planned, r => (r.ObjectId, r.ControlId) == e && r.Status == RepairStatus.Planned);
            Assert.All(planned, r => Assert.Equal(RepairStatus.Planned, r.Status));
            Assert.Contains(planned, r => r.ControlId == "esx-9.shell-interactive-timeout" && r.Before == "3600" && r.After == "900" && r.Action == "set advanced option UserVars.ESXiShellInteractiveTimeOut to 900");
            Assert.Equal(planted.ToString(), JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim)).ToString());

            // The repair: one result per (host, control), each read back and verified; the backup written.
            var (done, doneErrors) = CmdletTests.Run(Connect + "Get-HostControlDrift -Baseline scg -ControlId $ids | Repair-HostControlDrift -BackupPath $backup -Confirm:$false", vars);
            Assert.Empty(doneErrors);
            var repairs = done.OfType<ControlRepair>().ToList();
            Assert.Equal(planned.Select(p => (p.ObjectId, p.ControlId)).OrderBy(x => x), repairs.Select(p => (p.ObjectId, p.ControlId)).OrderBy(x => x));
            Assert.All(repairs, r => Assert.True(r.Status == RepairStatus.Verified, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            var (after, _) = CmdletTests.Run(Connect + "Get-HostControlDrift -Baseline scg -ControlId $ids | Where-Object Outcome -eq Fail | ForEach-Object { '{0} {1}' -f $_.HostId, $_.ControlId }", vars);
            Assert.Empty(after.Cast<string>().Where(f => hosts.Any(h => f.StartsWith(h.id + " ", StringComparison.Ordinal))));
            var fixedRead = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            Assert.Equal(("true", "False off", "900"), (Read(fixedRead, hosts[0].id).firewall, Read(fixedRead, hosts[0].id).ssh, Read(fixedRead, hosts[0].id).shellTimeout));
            Assert.Equal(("900", "600"), (Read(fixedRead, hosts[1].id).unlock, Read(fixedRead, hosts[1].id).dcuiTimeout));
            Assert.Equal(("aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr", "false", "false"),
                (Read(fixedRead, hosts[2].id).ciphers, Read(fixedRead, hosts[2].id).dcuiShell, Read(fixedRead, hosts[2].id).logFilter));
            var backup = JObject.Parse(File.ReadAllText(Path.Combine(temp.Path, "backup.json")));
            Assert.Equal(repairs.Count, backup["repairs"]!.Count());

            // Undo from the backup: every before-value back, as pyVmomi reads it.
            var (undone, undoErrors) = CmdletTests.Run(Connect + "Undo-ControlRepair -Path $backup -Confirm:$false", vars);
            Assert.Empty(undoErrors);
            Assert.All(undone.OfType<ControlRepair>(), r => Assert.True(r.Status == RepairStatus.Changed, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            var restored = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            foreach (var h in hosts) Assert.Equal(Read(planted, h.id), Read(restored, h.id));
        }

        [Fact]
        public void VM_advanced_settings_are_repaired_in_one_reconfiguration_each_and_undone_and_the_rest_is_refused()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)), ("backup", Path.Combine(temp.Path, "vm-backup.json")) };
            var (vmsOut, _) = CmdletTests.Run(Connect + "(Get-VirtInventory).Vms | Sort-Object Name | Select-Object -First 2 | ForEach-Object { '{0}|{1}' -f $_.Name, $_.Id }", vars);
            var vms = vmsOut.Cast<string>().Select(s => (name: s.Split('|')[0], id: s.Split('|')[1])).ToArray();
            foreach (var vm in vms) VcsimIntegrationTests.Python("make_vm_drift.py", sim, vm.name, "drift");
            var planted = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            Assert.Equal("FALSE", (string)planted["vms"]![vms[0].id]!["extraConfig"]!["isolation.tools.copy.disable"]!);
            vars = vars.Append(("names", (object)vms.Select(v => v.name).ToArray())).ToArray();

            var (output, errors) = CmdletTests.Run(Connect + "Get-VmControlDrift -Baseline scg -Vm $names | Repair-VmControlDrift -BackupPath $backup -Confirm:$false", vars);
            Assert.Empty(errors);
            var repairs = output.OfType<ControlRepair>().ToList();
            var settings = repairs.Where(r => r.Status != RepairStatus.Skipped).ToList();
            Assert.True(settings.Count >= 20, $"{settings.Count} settings repaired");
            Assert.All(settings, r => Assert.True(r.Status == RepairStatus.Verified, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            Assert.All(settings.Where(r => r.ControlId != "vm-9.vmotion-encrypted" && r.ControlId != "vm-9.log-enable"), r => Assert.Equal("takes effect when the VM is powered off and on again", r.Message));
            Assert.Contains(settings, r => r.ControlId == "vm-9.log-enable" && r.After == "true");
            // vMotion encryption goes in the same reconfiguration, and is read back as pyVmomi reads it.
            Assert.Contains(settings, r => r.ControlId == "vm-9.vmotion-encrypted" && r.After == "required");
            // Devices, logging and encryption change the VM itself: refused with the reason, not errors.
            Assert.Contains(repairs, r => r.ControlId == "vm-9.remove-unnecessary-devices" && r.Status == RepairStatus.Skipped && r.Message!.Contains("changes the VM itself"));
            var fixedRead = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            foreach (var vm in vms)
            {
                Assert.Equal("TRUE", ((string)fixedRead["vms"]![vm.id]!["extraConfig"]!["isolation.tools.copy.disable"]!).ToUpperInvariant());
                Assert.Equal("1", (string)fixedRead["vms"]![vm.id]!["extraConfig"]!["RemoteDisplay.maxConnections"]!);
                Assert.Equal("required", (string)fixedRead["vms"]![vm.id]!["migrateEncryption"]!);
                Assert.True((bool)fixedRead["vms"]![vm.id]!["enableLogging"]!);
            }
            var (after, _) = CmdletTests.Run(Connect + "Get-VmControlDrift -Baseline scg -Vm $names | Where-Object { $_.Outcome -eq 'Fail' -and $_.ControlId -in $ids } | Measure-Object | Select-Object -ExpandProperty Count",
                vars.Append(("ids", (object)settings.Select(r => r.ControlId).Distinct().ToArray())).ToArray());
            Assert.Equal(0, (int)after.Single());

            var (undone, undoErrors) = CmdletTests.Run(Connect + "Undo-ControlRepair -Path $backup -Confirm:$false", vars);
            Assert.Empty(undoErrors);
            Assert.All(undone.OfType<ControlRepair>(), r => Assert.Equal(RepairStatus.Changed, r.Status));
            var restored = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            foreach (var vm in vms)
            {
                Assert.Equal(planted["vms"]![vm.id]!["extraConfig"]!.ToString(), restored["vms"]![vm.id]!["extraConfig"]!.ToString());
                Assert.Equal((string)planted["vms"]![vm.id]!["migrateEncryption"]!, (string)restored["vms"]![vm.id]!["migrateEncryption"]!);
                Assert.Equal((bool)planted["vms"]![vm.id]!["enableLogging"]!, (bool)restored["vms"]![vm.id]!["enableLogging"]!);
            }
        }

        /// <summary>A shell connected to the simulator whose requests are kept (method and body), to count and validate them.</summary>
        private static System.Management.Automation.PowerShell ObservedShell(VcsimServer sim, System.Collections.Generic.List<(string method, byte[] body)> requests) =>
            ObservedShell(sim, (method, body) => { lock (requests) requests.Add((method, body)); });

        /// <summary>A shell connected to the simulator that shows <paramref name="observer"/> every request before it is sent.</summary>
        private static System.Management.Automation.PowerShell ObservedShell(VcsimServer sim, Action<string, byte[]> observer)
        {
            var ps = CmdletTests.Shell();
            ps.Runspace.SessionStateProxy.SetVariable("url", sim.Url.ToString());
            ps.Runspace.SessionStateProxy.SetVariable("cred", Credential(sim));
            ps.AddScript("Connect-VirtServer -Server $url -Credential $cred -SkipCertificateCheck");
            var connection = ps.Invoke().Single().BaseObject;
            ps.Commands.Clear();
            var client = (VirtCompliance.Vim.VimClient)connection.GetType().GetProperty("Client", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(connection)!;
            client.RequestObserver = observer;
            return ps;
        }

        private static object[] Invoke(System.Management.Automation.PowerShell ps, string script, params (string name, object value)[] variables)
        {
            foreach (var (name, value) in variables) ps.Runspace.SessionStateProxy.SetVariable(name, value);
            ps.Commands.Clear();
            ps.Streams.Error.Clear();
            ps.AddScript(script);
            var output = ps.Invoke().Select(o => o?.BaseObject).ToArray();
            Assert.True(ps.Streams.Error.Count == 0, string.Join("; ", ps.Streams.Error.Select(e => e.ToString())) + "\n" + string.Join("\n", output.OfType<ControlRepair>().Where(r => r.Status == RepairStatus.Failed)));
            return output!;
        }

        private static JToken Device(JObject py, string vmId, string type) => ((JArray)py["vms"]![vmId]!["devices"]!).Single(d => (string)d["type"]! == type);

        [Fact]
        public void Connected_CD_drives_are_disconnected_in_the_VMs_one_reconfiguration_and_reconnected_by_undo()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var requests = new System.Collections.Generic.List<(string method, byte[] body)>();
            using var ps = ObservedShell(sim, requests);
            var vms = Invoke(ps, "(Get-VirtInventory).Vms | Sort-Object Name | Select-Object -First 2 | ForEach-Object { '{0}|{1}' -f $_.Name, $_.Id }")
                .Cast<string>().Select(s => (name: s.Split('|')[0], id: s.Split('|')[1])).ToArray();
            // The first VM also has failing advanced settings: they go in the same reconfiguration as its CD drive.
            VcsimIntegrationTests.Python("make_vm_drift.py", sim, vms[0].name, "drift");
            var planted = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            foreach (var vm in vms) Assert.Equal((true, true), ((bool)Device(planted, vm.id, "VirtualCdrom")["connected"]!, (bool)Device(planted, vm.id, "VirtualCdrom")["startConnected"]!));

            requests.Clear();
            var backup = Path.Combine(temp.Path, "cd-backup.json");
            var repairs = Invoke(ps, "Get-VmControlDrift -Baseline stig -Vm $names | Repair-VmControlDrift -BackupPath $backup -Confirm:$false",
                ("names", vms.Select(v => v.name).ToArray()), ("backup", backup)).OfType<ControlRepair>().ToList();
            string Shown(ControlRepair r) => $"{r.Object} {r.ControlId}: {r.Status} '{r.Action}' {r.Before} -> {r.After} {r.Message}";
            foreach (var vm in vms)
                Assert.True(repairs.Any(r => r.ObjectId == vm.id && r.ControlId == "vc.vm-cdrom-connected" && r.Status == RepairStatus.Verified
                    && r.Action == $"disconnect {r.Before} and clear connect at power on" && r.Before.StartsWith("cdrom-", StringComparison.Ordinal) && r.After == "(none)"), string.Join("\n", repairs.Select(Shown)));
            Assert.Contains(repairs, r => r.ObjectId == vms[0].id && r.ControlId != "vc.vm-cdrom-connected" && r.Status == RepairStatus.Verified);
            // One ReconfigVM_Task per VM, settings and devices together, each body valid vim25.
            var reconfigurations = requests.Where(r => r.method == "ReconfigVM_Task").ToList();
            foreach (var vm in vms) Assert.Single(reconfigurations, r => System.Text.Encoding.UTF8.GetString(r.body).Contains($">{vm.id}</_this>"));
            Assert.All(reconfigurations, r => Assert.Empty(VimSchema.Validate(r.body)));
            var fixedRead = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            foreach (var vm in vms) Assert.Equal((false, false), ((bool)Device(fixedRead, vm.id, "VirtualCdrom")["connected"]!, (bool)Device(fixedRead, vm.id, "VirtualCdrom")["startConnected"]!));

            var undone = Invoke(ps, "Undo-ControlRepair -Path $backup -Confirm:$false").OfType<ControlRepair>().ToList();
            Assert.All(undone, r => Assert.True(r.Status == RepairStatus.Changed, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            var restored = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim));
            foreach (var vm in vms)
            {
                Assert.Equal(Device(planted, vm.id, "VirtualCdrom").ToString(), Device(restored, vm.id, "VirtualCdrom").ToString());
                Assert.Equal(planted["vms"]![vm.id]!["extraConfig"]!.ToString(), restored["vms"]![vm.id]!["extraConfig"]!.ToString());
            }
        }

        [Fact]
        public void VCenter_settings_the_appliance_and_cluster_DRS_and_HA_are_repaired_verified_and_undone_and_WhatIf_changes_nothing()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var requests = new System.Collections.Generic.List<(string method, byte[] body)>();
            using var ps = ObservedShell(sim, requests);
            var names = Invoke(ps, "$inv = Get-VirtInventory; $pg = $inv.Networks | Where-Object { $_.Kind -eq 'DistributedPortgroup' -and -not $_.IsUplink } | Sort-Object Name | Select-Object -First 1; " +
                "($inv.DistributedSwitches | Where-Object Id -eq $pg.DvsId).Name; $pg.Name; ($inv.Clusters | Sort-Object Name | Select-Object -First 1) | ForEach-Object { $_.Name; $_.Id }");
            var (dvs, pgName, cluster, clusterId) = ((string)names[0], (string)names[1], (string)names[2], (string)names[3]);
            VcsimIntegrationTests.Python("make_estate_drift.py", sim, dvs, pgName);
            Assert.Equal("drs=False ha=False", VcsimIntegrationTests.Python("cluster_config.py", sim, cluster, "off").Trim());
            JToken Estate(JObject py) => new JObject { ["vcenter"] = py["vcenter"], ["appliance"] = py["appliance"], ["cluster"] = py["clusters"]![clusterId] };
            var planted = Estate(JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim)));
            var repairable = new[]
            {
                "vcenter-9.events-remote-logging", "vcenter-9.logs-level-global", "vcenter-9.vpxuser-rotation", "vcenter-9.vpxuser-length", "vcenter-9.events-database-retention",
                "vc.tasks-database-retention", "vcenter-9.ssh", "vcenter-9.time", "vcenter-9.vami-password-max-age", "vcenter-9.drs", "vcenter-9.service-resilience-ha",
            };

            // -WhatIf: what changes, from what to what; the site's own values refused with the reason; nothing written.
            var plan = Invoke(ps, "Get-VCenterControlDrift -Baseline scg | Repair-VCenterControlDrift -WhatIf").OfType<ControlRepair>().ToList();
            foreach (var id in repairable) Assert.Contains(plan, r => r.ControlId == id && r.Status == RepairStatus.Planned);
            Assert.Contains(plan, r => r.ControlId == "vcenter-9.events-database-retention" && r.Before == "7" && r.Action == "set vCenter advanced setting event.maxAge to 30");
            Assert.Contains(plan, r => r.ControlId == "vcenter-9.drs" && r.ObjectKind == "Cluster" && r.Object == cluster && r.Action == $"turn DRS on on cluster {cluster}");
            foreach (var id in new[] { "vcenter-9.etc-issue", "vcenter-9.smtp", "vc.vcenter-ntp-servers", "vcenter-9.log-forwarding" })
                Assert.Contains(plan, r => r.ControlId == id && r.Status == RepairStatus.Skipped && r.Message!.Contains("site's own"));
            Assert.Equal(planted.ToString(), Estate(JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))).ToString());

            requests.Clear();
            var backup = Path.Combine(temp.Path, "vcenter-backup.json");
            var repairs = Invoke(ps, "Get-VCenterControlDrift -Baseline scg | Repair-VCenterControlDrift -BackupPath $backup -Confirm:$false", ("backup", backup)).OfType<ControlRepair>().ToList();
            foreach (var id in repairable) Assert.Contains(repairs, r => r.ControlId == id && r.Status == RepairStatus.Verified);
            Assert.All(repairs.Where(r => r.Status != RepairStatus.Skipped), r => Assert.True(r.Status == RepairStatus.Verified, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            // All six advanced settings in one UpdateOptions, DRS and HA in one reconfiguration; both bodies valid vim25.
            var writes = requests.Where(r => r.method == "UpdateOptions" || r.method == "ReconfigureComputeResource_Task").ToList();
            Assert.Equal(new[] { "ReconfigureComputeResource_Task", "UpdateOptions" }, writes.Select(w => w.method).OrderBy(m => m, StringComparer.Ordinal));
            Assert.All(writes, w => Assert.Empty(VimSchema.Validate(w.body)));
            var fixedRead = Estate(JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim)));
            Assert.Equal(("true", "info", "30", "32", "30", "30"), ((string)fixedRead["vcenter"]!["vpxd.event.syslog.enabled"]!, (string)fixedRead["vcenter"]!["config.log.level"]!,
                (string)fixedRead["vcenter"]!["VirtualCenter.VimPasswordExpirationInDays"]!, (string)fixedRead["vcenter"]!["config.vpxd.hostPasswordLength"]!,
                (string)fixedRead["vcenter"]!["event.maxAge"]!, (string)fixedRead["vcenter"]!["task.maxAge"]!));
            Assert.Equal((false, "NTP"), ((bool)fixedRead["appliance"]!["ssh"]!, (string)fixedRead["appliance"]!["timesync"]!));
            Assert.Equal((true, true), ((bool)fixedRead["cluster"]!["drs"]!, (bool)fixedRead["cluster"]!["ha"]!));
            var still = Invoke(ps, "Get-VCenterControlDrift -Baseline scg | Where-Object ControlId -in $ids | ForEach-Object ControlId", ("ids", repairable));
            Assert.Empty(still);

            var undone = Invoke(ps, "Undo-ControlRepair -Path $backup -Confirm:$false").OfType<ControlRepair>().ToList();
            Assert.Equal(repairable.Length, undone.Count);
            Assert.All(undone, r => Assert.True(r.Status == RepairStatus.Changed, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            Assert.Equal(planted.ToString(), Estate(JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))).ToString());
        }

        [Fact]
        public void A_distributed_portgroup_is_repaired_in_one_reconfiguration_with_its_config_version_and_undone()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)), ("backup", Path.Combine(temp.Path, "pg-backup.json")) };
            var (names, _) = CmdletTests.Run(Connect + "$inv = Get-VirtInventory; $pg = $inv.Networks | Where-Object { $_.Kind -eq 'DistributedPortgroup' -and -not $_.IsUplink } | Sort-Object Name | Select-Object -First 1; " +
                "($inv.DistributedSwitches | Where-Object Id -eq $pg.DvsId).Name; $pg.Name; $pg.Id", vars);
            var (dvs, pgName, pgId) = ((string)names[0], (string)names[1], (string)names[2]);
            VcsimIntegrationTests.Python("make_estate_drift.py", sim, dvs, pgName);
            var planted = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))["portgroups"]![pgId]!;
            Assert.Equal((false, true), ((bool)planted["reset"]!, (bool)planted["ipfix"]!));
            vars = vars.Append(("pgId", (object)pgId)).ToArray();

            var (output, errors) = CmdletTests.Run(Connect + "Get-NetworkControlDrift -Baseline scg | Where-Object NetworkId -eq $pgId | Repair-NetworkControlDrift -BackupPath $backup -Confirm:$false", vars);
            Assert.Empty(errors);
            var repairs = output.OfType<ControlRepair>().ToList();
            Assert.Contains(repairs, r => r.ControlId == "vcenter-9.network-reset-port" && r.ObjectId == pgId && r.Status == RepairStatus.Verified && (r.Before, r.After) == ("false", "true"));
            Assert.Contains(repairs, r => r.ControlId == "vc.dvportgroup-netflow-disabled" && r.ObjectId == pgId && r.Status == RepairStatus.Verified);
            Assert.Contains(repairs, r => r.ControlId == "vcenter-9.network-mac-learning" && r.Status == RepairStatus.Skipped && r.Message!.Contains("not repaired"));
            var fixedRead = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))["portgroups"]![pgId]!;
            Assert.Equal((true, false), ((bool)fixedRead["reset"]!, (bool)fixedRead["ipfix"]!));
            // The rest of the portgroup is as it was: a partial spec changed only what it named.
            Assert.Equal(planted["overrides"]!.ToString(), fixedRead["overrides"]!.ToString());
            Assert.Equal((bool)planted["macLearning"]!, (bool)fixedRead["macLearning"]!);

            var (undone, undoErrors) = CmdletTests.Run(Connect + "Undo-ControlRepair -Path $backup -Confirm:$false", vars);
            Assert.Empty(undoErrors);
            Assert.All(undone.OfType<ControlRepair>(), r => Assert.Equal(RepairStatus.Changed, r.Status));
            var restored = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))["portgroups"]![pgId]!;
            Assert.Equal(planted.ToString(), restored.ToString());
        }

        [Fact]
        public void A_distributed_switch_is_repaired_with_its_config_version_and_the_rest_is_refused()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)), ("backup", Path.Combine(temp.Path, "dvs-backup.json")) };
            var (names, _) = CmdletTests.Run(Connect + "$inv = Get-VirtInventory; $pg = $inv.Networks | Where-Object { $_.Kind -eq 'DistributedPortgroup' -and -not $_.IsUplink } | Sort-Object Name | Select-Object -First 1; " +
                "$dvs = $inv.DistributedSwitches | Where-Object Id -eq $pg.DvsId; $dvs.Name; $pg.Name; $dvs.Id", vars);
            var (dvs, pgName, dvsId) = ((string)names[0], (string)names[1], (string)names[2]);
            VcsimIntegrationTests.Python("make_estate_drift.py", sim, dvs, pgName);
            var planted = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))["switches"]![dvsId]!;
            vars = vars.Append(("dvsId", (object)dvsId)).ToArray();
            var (output, errors) = CmdletTests.Run(Connect + "Get-NetworkControlDrift -Baseline scg | Where-Object NetworkId -eq $dvsId | Repair-NetworkControlDrift -BackupPath $backup -Confirm:$false", vars);
            Assert.Empty(errors);
            var repairs = output.OfType<ControlRepair>().ToList();
            foreach (var id in new[] { "vc.dvswitch-reject-promiscuous-mode", "vcenter-9.network-restrict-discovery-protocol", "vcenter-9.network-nioc" })
                Assert.Contains(repairs, r => r.ControlId == id && r.Status == RepairStatus.Verified);
            Assert.Contains(repairs, r => r.ControlId == "vcenter-9.network-restrict-port-mirroring" && r.Status == RepairStatus.Skipped && r.Message!.Contains("site's decision"));
            var fixedRead = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))["switches"]![dvsId]!;
            Assert.Equal((false, "none", true), ((bool)fixedRead["allowPromiscuous"]!, (string)fixedRead["discoveryOperation"]!, (bool)fixedRead["nioc"]!));
            // What was not repaired is as it was.
            Assert.Equal(planted["mirrorSessions"]!.ToString(), fixedRead["mirrorSessions"]!.ToString());
            var (undone, undoErrors) = CmdletTests.Run(Connect + "Undo-ControlRepair -Path $backup -Confirm:$false", vars);
            Assert.Empty(undoErrors);
            Assert.All(undone.OfType<ControlRepair>(), r => Assert.Equal(RepairStatus.Changed, r.Status));
            var restored = JObject.Parse(VcsimIntegrationTests.Python("read_inventory.py", sim))["switches"]![dvsId]!;
            Assert.Equal(((bool)planted["allowPromiscuous"]!, (string)planted["discoveryOperation"]!, (bool)planted["nioc"]!), ((bool)restored["allowPromiscuous"]!, (string)restored["discoveryOperation"]!, (bool)restored["nioc"]!));
        }

        [Fact]
        public void A_standard_portgroup_and_vSwitch_are_repaired_with_their_whole_spec_echoed_and_undone()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)), ("backup", Path.Combine(temp.Path, "std-backup.json")) };
            var (hosts, _) = CmdletTests.Run(Connect + "(Get-VirtInventory).Hosts | Sort-Object Name | Select-Object -First 1 | ForEach-Object Name", vars);
            var host = (string)hosts.Single();
            string Show() => VcsimIntegrationTests.Python("standard_network.py", sim, host, "VM Network", "vSwitch0", "show").Trim();
            VcsimIntegrationTests.Python("standard_network.py", sim, host, "VM Network", "vSwitch0", "accept");
            var planted = Show();
            Assert.Contains("portgroup VM Network promiscuous=True mac=True forged=True", planted);
            vars = vars.Append(("name", (object)host)).ToArray();
            var (output, errors) = CmdletTests.Run(Connect + "Get-NetworkControlDrift -Baseline scg | Where-Object { $_.Host -eq $name -and $_.ObjectKind -in 'StandardPortgroup', 'StandardSwitch' } | Repair-NetworkControlDrift -BackupPath $backup -Confirm:$false", vars);
            Assert.Empty(errors);
            var repairs = output.OfType<ControlRepair>().ToList();
            Assert.Contains(repairs, r => r.ObjectKind == "StandardSwitch" && r.ControlId == "esx-9.network-standard-reject-promiscuous-mode");
            Assert.Contains(repairs, r => r.ObjectKind == "StandardPortgroup" && r.ControlId == "esx-9.network-standard-reject-forged-transmit");
            Assert.All(repairs.Where(r => r.ControlId != "esx-9.network-vgt"), r => Assert.True(r.Status == RepairStatus.Verified, $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
            var repaired = Show();
            Assert.Contains("portgroup VM Network promiscuous=False mac=False forged=False", repaired);
            Assert.Contains("vswitch vSwitch0 promiscuous=False mac=False forged=False", repaired);
            var (undone, undoErrors) = CmdletTests.Run(Connect + "Undo-ControlRepair -Path $backup -Confirm:$false", vars);
            Assert.Empty(undoErrors);
            Assert.All(undone.OfType<ControlRepair>(), r => Assert.Equal(RepairStatus.Changed, r.Status));
            Assert.Equal(planted, Show());
        }

        [Fact]
        public void A_server_that_dies_midway_is_one_clear_error_and_the_output_and_backup_name_exactly_what_was_written()
        {
            var sim = new VcsimServer();
            try
            {
                using var temp = new TempFolder();
                var backupPath = Path.Combine(temp.Path, "backup.json");
                // The server dies when the first service change is sent: the advanced options before it are written, the rest is not.
                using var ps = ObservedShell(sim, (method, _) => { if (method == "StopService") sim.Kill(); });
                var (hosts, _) = CmdletTests.Run(Connect + "(Get-VirtInventory).Hosts | Sort-Object Name | Select-Object -First 3 | ForEach-Object Name", ("url", sim.Url.ToString()), ("cred", Credential(sim)));
                VcsimIntegrationTests.Python("make_repair_drift.py", sim, hosts.Cast<string>().ToArray());
                ps.Runspace.SessionStateProxy.SetVariable("ids", Planted);
                ps.Runspace.SessionStateProxy.SetVariable("backup", backupPath);
                ps.AddScript("Get-HostControlDrift -Baseline scg -ControlId $ids | Repair-HostControlDrift -BackupPath $backup -Confirm:$false");
                var output = ps.Invoke().Select(o => o.BaseObject).OfType<ControlRepair>().ToList();
                var error = Assert.Single(ps.Streams.Error);
                Assert.StartsWith("RepairInterrupted", error.FullyQualifiedErrorId);
                Assert.Contains("was lost while repairing", error.Exception.Message);
                var first = hosts.Cast<string>().First();
                // The first host's option went out in the one UpdateOptions before the service: written.
                Assert.Contains(output, r => r.Object == first && r.ControlId == "esx-9.shell-interactive-timeout" && r.Status == RepairStatus.Changed);
                Assert.Contains(output, r => r.Object == first && r.ControlId == "esx-9.ssh" && r.Status == RepairStatus.Failed && r.Message!.Contains("may or may not have been written"));
                var notWritten = output.Where(r => r.Object != first).ToList();
                Assert.NotEmpty(notWritten);
                Assert.All(notWritten, r => Assert.True(r.Status == RepairStatus.Failed && r.Message!.StartsWith("not written", StringComparison.Ordinal), $"{r.Object} {r.ControlId}: {r.Status} {r.Message}"));
                // The backup says the same, change by change.
                var backup = JObject.Parse(File.ReadAllText(backupPath))["repairs"]!.Select(r => ((string)r["object"]!, (string)r["controlId"]!, (string)r["status"]!)).OrderBy(x => x).ToList();
                Assert.Equal(output.Select(r => (r.Object!, r.ControlId, char.ToLowerInvariant(r.Status.ToString()[0]) + r.Status.ToString().Substring(1))).OrderBy(x => x).ToList(), backup);
            }
            finally
            {
                sim.Dispose();
            }
        }

        [Fact]
        public void What_is_not_safe_to_automate_is_refused_with_the_reason_and_a_snapshot_cannot_be_repaired()
        {
            using var sim = new VcsimServer();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)) };
            var (output, errors) = CmdletTests.Run(Connect +
                "Repair-HostControlDrift -Baseline scg -ControlId esx-9.lockdown-mode, esx-9.log-forwarding -Confirm:$false", vars);
            Assert.Empty(errors);
            var results = output.OfType<ControlRepair>().ToList();
            Assert.NotEmpty(results);
            Assert.All(results, r => Assert.Equal(RepairStatus.Skipped, r.Status));
            Assert.Contains(results, r => r.ControlId == "esx-9.lockdown-mode" && r.Message!.Contains("-Force"));
            Assert.Contains(results, r => r.ControlId == "esx-9.log-forwarding" && r.Message!.Contains("site's own"));
            // With -Force, lockdown mode is set and verified.
            var (forced, _) = CmdletTests.Run(Connect + "Repair-HostControlDrift -Baseline scg -ControlId esx-9.lockdown-mode -Force -Confirm:$false", vars);
            Assert.All(forced.OfType<ControlRepair>(), r => Assert.Equal(RepairStatus.Verified, r.Status));
            var ex = CmdletTests.Throws("Repair-HostControlDrift -Inventory (Import-VirtInventory $sample) -ControlId esx-9.ssh -Confirm:$false", ("sample", Lab.SamplePath));
            Assert.Contains("A snapshot cannot be repaired", ex.Message);
        }

        [Fact]
        public void The_plan_refuses_open_rulesets_without_networks_software_and_peer_results_and_takes_values_from_the_baseline()
        {
            var inv = new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1", h => Lab.WithOption(Lab.WithoutPackage(h with
            {
                Firewall = h.Firewall with { Rulesets = new[] { new VirtCompliance.Model.FirewallRuleset { Key = "sshServer", Enabled = true, AllowedAllIp = true, IpListUserConfigurable = true } } },
                AcceptanceLevel = "community",
            }, "ids-agent"), "UserVars.DcuiTimeOut", "0")).Build();
            var plan = VirtCompliance.Vim.Repair.RepairEngine.Plan(inv, VirtCompliance.Controls.Baseline.Load("scg"),
                new[] { ("host-1", "esx-9.firewall-restrict-access", (string)null), ("host-1", "esx-9.vib-acceptance-level-supported", null), ("host-1", "esx-9.dcui-timeout", null), ("host-9", "esx-9.ssh", null) },
                new VirtCompliance.Vim.Repair.RepairOptions());
            var byId = plan.ToDictionary(p => (p.repair.ObjectId, p.repair.ControlId));
            Assert.Contains("allowing nothing", byId[("host-1", "esx-9.firewall-restrict-access")].repair.Message);
            var vib = byId[("host-1", "esx-9.vib-acceptance-level-supported")].repair.Message!;
            Assert.True(vib.Contains("software change"), vib);
            Assert.Equal("host host-9 is not on this server", byId[("host-9", "esx-9.ssh")].repair.Message);
            var dcui = byId[("host-1", "esx-9.dcui-timeout")];
            Assert.Equal((RepairStatus.Planned, "0", "600", "UserVars.DcuiTimeOut", "0"), (dcui.repair.Status, dcui.repair.Before, dcui.repair.After, dcui.step!.Target, dcui.repair.Undo!.Value));
            // The pci-dss baseline's value, not the catalog's: its lockout is 30 minutes.
            var lockout = VirtCompliance.Vim.Repair.RepairEngine.Plan(new Lab().Cluster("domain-c1", "Prod").Host("host-1", "domain-c1", h => Lab.WithOption(h, "Security.AccountUnlockTime", "60")).Build(),
                VirtCompliance.Controls.Baseline.Load("pci-dss"), new[] { ("host-1", "esx-9.account-lockout-duration", (string)null) }, new VirtCompliance.Vim.Repair.RepairOptions()).Single();
            Assert.Equal("1800", lockout.step!.Value);
        }

        [Fact]
        public void An_open_ruleset_is_restricted_only_to_the_networks_given_and_undone()
        {
            using var sim = new VcsimServer();
            using var temp = new TempFolder();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)), ("backup", Path.Combine(temp.Path, "fw-backup.json")) };
            var (hosts, _) = CmdletTests.Run(Connect + "(Get-VirtInventory).Hosts | Sort-Object Name | Select-Object -First 1 | ForEach-Object Name", vars);
            var host = (string)hosts.Single();
            VcsimIntegrationTests.Python("firewall_ruleset.py", sim, host, "sshServer", "open");
            Assert.Equal("allIp=True networks= addresses=", VcsimIntegrationTests.Python("firewall_ruleset.py", sim, host, "sshServer", "show").Trim());
            vars = vars.Append(("name", (object)host)).ToArray();
            const string drift = "Get-HostControlDrift -Baseline scg -ControlId esx-9.firewall-restrict-access | Where-Object Host -eq $name | ";
            // Without networks: refused, nothing written.
            var (refused, _) = CmdletTests.Run(Connect + drift + "Repair-HostControlDrift -Confirm:$false", vars);
            Assert.Contains("-AllowedNetwork", Assert.Single(refused.OfType<ControlRepair>()).Message);
            Assert.Equal("allIp=True networks= addresses=", VcsimIntegrationTests.Python("firewall_ruleset.py", sim, host, "sshServer", "show").Trim());
            var (output, errors) = CmdletTests.Run(Connect + drift + "Repair-HostControlDrift -AllowedNetwork 10.20.0.0/16, 192.168.7.5 -BackupPath $backup -Confirm:$false", vars);
            Assert.Empty(errors);
            var repair = Assert.Single(output.OfType<ControlRepair>());
            Assert.True(repair.Status == RepairStatus.Verified, repair.Message);
            Assert.Equal("allIp=False networks=10.20.0.0/16 addresses=192.168.7.5", VcsimIntegrationTests.Python("firewall_ruleset.py", sim, host, "sshServer", "show").Trim());
            var (undone, _) = CmdletTests.Run(Connect + "Undo-ControlRepair -Path $backup -Confirm:$false", vars);
            Assert.Equal(RepairStatus.Changed, Assert.Single(undone.OfType<ControlRepair>()).Status);
            Assert.Equal("allIp=True networks= addresses=", VcsimIntegrationTests.Python("firewall_ruleset.py", sim, host, "sshServer", "show").Trim());
            var bad = CmdletTests.Throws(Connect + "Repair-HostControlDrift -Baseline scg -ControlId esx-9.firewall-restrict-access -AllowedNetwork 'not-a-network' -Confirm:$false", vars);
            Assert.Contains("not an address or a network", bad.Message);
        }

        [Fact]
        public void A_value_changed_by_someone_else_since_it_was_read_is_skipped_not_overwritten()
        {
            using var sim = new VcsimServer();
            var vars = new (string, object)[] { ("url", sim.Url.ToString()), ("cred", Credential(sim)) };
            // The drift as read, then someone changes the value before the repair: the repair skips it.
            var (output, errors) = CmdletTests.Run(Connect +
                "Get-HostControlDrift -Baseline scg -ControlId esx-9.account-password-history | Select-Object -First 1", vars);
            Assert.Empty(errors);
            var drift = output.OfType<HostControlDrift>().First();
            var stale = drift with { Actual = drift.Actual + "-then" };
            var (repairs, repairErrors) = CmdletTests.Run(Connect + "$stale | Repair-HostControlDrift -Confirm:$false", vars.Append(("stale", (object)stale)).ToArray());
            Assert.Empty(repairErrors);
            var repair = Assert.Single(repairs.OfType<ControlRepair>());
            Assert.Equal(RepairStatus.Skipped, repair.Status);
            Assert.Contains("changed since it was read", repair.Message);
        }
    }
}
