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
                }
                var pyClusters = (JObject)py["clusters"];
                foreach (var cluster in inv.Clusters)
                {
                    var p = pyClusters[cluster.Id];
                    Assert.Equal((string)p["name"], cluster.Name);
                    Assert.Equal((bool)p["drs"], cluster.DrsEnabled);
                    Assert.Equal(p["rules"].Values<string>(), cluster.Rules.Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal));
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
