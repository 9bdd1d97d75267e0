using System;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Vim;
using VirtCompliance.Vim.Collector;
using Xunit;

namespace VirtCompliance.Tests.Vim
{
    /// <summary>
    /// A vCenter that answers badly: nested without end, with garbage after the envelope, redirected,
    /// compressed without end, trickling, never finishing, paging for ever, of the wrong shape. Each
    /// gives one typed error naming the server and the method, within its time limit, and sends
    /// nothing where it should not.
    /// </summary>
    public class HostileServerTests
    {
        private static readonly NetworkCredential Account = new NetworkCredential("auditor", "S3cret-Pa55");

        private static VimConnectionOptions Options(HostileServer server, TimeSpan? timeout = null) =>
            new VimConnectionOptions { CertificateThumbprint = server.Thumbprint, RequestTimeout = timeout ?? TimeSpan.FromSeconds(20) };

        private static async Task<VimConnectionException> Refused(HostileServer server, VimConnectionOptions options = null)
        {
            var ex = await Assert.ThrowsAsync<VimConnectionException>(() => VimClient.ConnectAsync(server.Url, Account, options ?? Options(server), CancellationToken.None));
            Assert.Contains(server.Url.Host, ex.Message);
            Assert.DoesNotContain(Account.Password, ex.ToString());
            return ex;
        }

        private static async Task<VimConnectionException> RefusedCollecting(HostileServer server, VimConnectionOptions options = null)
        {
            using (var client = await VimClient.ConnectAsync(server.Url, Account, options ?? Options(server), CancellationToken.None))
            {
                var collector = new InventoryCollector(client) { ReadSoftware = false, ReadTags = false, ReadPorts = false };
                var ex = await Assert.ThrowsAsync<VimConnectionException>(() => collector.CollectAsync(null, CancellationToken.None));
                Assert.Contains(server.Url.Host, ex.Message);
                return ex;
            }
        }

        [Fact]
        public async Task An_answer_nested_twenty_thousand_deep_before_login_is_a_typed_error_not_a_crash()
        {
            var deep = new StringBuilder();
            for (var i = 0; i < 20000; i++) deep.Append("<a>");
            for (var i = 0; i < 20000; i++) deep.Append("</a>");
            using (var server = new HostileServer(HostileServer.Until("RetrieveServiceContent",
                _ => HostileAnswer.Xml(HostileServer.Envelope($"<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>{deep}</returnval></RetrieveServiceContentResponse>")))))
            {
                var ex = await Refused(server);
                Assert.Contains("RetrieveServiceContent", ex.Message);
                Assert.Contains("deep", ex.Message);
            }
        }

        [Theory]
        [InlineData("{\"value\": \"token\" // a comment\n}", "comments")]
        [InlineData("{\"value\": \"token\", \"value\": \"other\"}", "twice")]
        [InlineData("{\"value\": NaN}", "NaN")]
        public async Task A_cis_answer_that_is_not_strict_json_is_a_typed_error_naming_the_server_and_request(string json, string expected)
        {
            using (var server = new HostileServer((m, n) => m.StartsWith("POST /rest/", StringComparison.Ordinal)
                ? new HostileAnswer { ContentType = "application/json", Body = Encoding.UTF8.GetBytes(json) }
                : HostileServer.Behave(m, n)))
            using (var client = await VimClient.ConnectAsync(server.Url, Account, Options(server), CancellationToken.None))
            {
                var ex = await Assert.ThrowsAsync<VimConnectionException>(() => new VirtCompliance.Vim.Cis.TagClient(client).ReadAttachedTagsAsync(CancellationToken.None));
                Assert.Contains(server.Url.Host, ex.Message);
                Assert.Contains("session", ex.Message);
                Assert.Contains(expected, ex.Message);
                Assert.DoesNotContain(Account.Password, ex.ToString());
            }
        }

        /// <summary>The CIS tagging API's answers for one category, one tag and one tagged VM.</summary>
        private static readonly (string request, string json)[] CisAnswers =
        {
            ("POST /rest/com/vmware/cis/session", "{\"value\": \"session-token\"}"),
            ("GET /rest/com/vmware/cis/tagging/category", "{\"value\": [\"cat-1\"]}"),
            ("GET /rest/com/vmware/cis/tagging/category/id:cat-1", "{\"value\": {\"id\": \"cat-1\", \"name\": \"PCI-Scope\", \"cardinality\": \"SINGLE\"}}"),
            ("GET /rest/com/vmware/cis/tagging/tag", "{\"value\": [\"tag-1\"]}"),
            ("GET /rest/com/vmware/cis/tagging/tag/id:tag-1", "{\"value\": {\"id\": \"tag-1\", \"name\": \"cde\", \"category_id\": \"cat-1\"}}"),
            ("POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags", "{\"value\": [{\"tag_id\": \"tag-1\", \"object_ids\": [{\"id\": \"vm-1\", \"type\": \"VirtualMachine\"}]}]}"),
            ("DELETE /rest/com/vmware/cis/session", ""),
        };

        [Fact]
        public async Task Mutated_cis_answers_end_in_a_typed_error_or_the_tags()
        {
            // Seeded and bounded: each round mutates one answer of the tagging API with the file readers' mutations.
            var random = new Random(20261201);
            string mutatedRequest = null, mutatedJson = null;
            using (var server = new HostileServer((m, n) =>
            {
                if (!m.StartsWith("GET /rest/", StringComparison.Ordinal) && !m.StartsWith("POST /rest/", StringComparison.Ordinal) && !m.StartsWith("DELETE /rest/", StringComparison.Ordinal))
                    return HostileServer.Behave(m, n);
                var answer = CisAnswers.FirstOrDefault(a => a.request == m);
                var json = m == Volatile.Read(ref mutatedRequest) ? Volatile.Read(ref mutatedJson) : answer.json ?? "{\"value\": null}";
                return new HostileAnswer { ContentType = "application/json", Body = Encoding.UTF8.GetBytes(json) };
            }))
            using (var client = await VimClient.ConnectAsync(server.Url, Account, Options(server), CancellationToken.None))
            {
                var tags = await new VirtCompliance.Vim.Cis.TagClient(client).ReadAttachedTagsAsync(CancellationToken.None);
                Assert.Equal("cde", Assert.Single(tags["vm-1"]).Name);
                var failures = new System.Collections.Generic.List<string>();
                for (var round = 0; round < 60; round++)
                {
                    var (request, json) = CisAnswers[random.Next(CisAnswers.Length - 1)];
                    var mutation = VirtCompliance.Tests.Core.ReaderFuzzTests.Mutations[random.Next(VirtCompliance.Tests.Core.ReaderFuzzTests.Mutations.Length)];
                    Volatile.Write(ref mutatedJson, mutation.mutate(json, new Random(random.Next())));
                    Volatile.Write(ref mutatedRequest, request);
                    try
                    {
                        await new VirtCompliance.Vim.Cis.TagClient(client).ReadAttachedTagsAsync(CancellationToken.None);
                    }
                    catch (VimConnectionException ex)
                    {
                        if (!ex.Message.Contains(server.Url.Host)) failures.Add($"{mutation.name} of {request}: the error does not name the server: {ex.Message}");
                    }
                    catch (Exception ex)
                    {
                        failures.Add($"{mutation.name} of {request}: {ex.GetType().FullName}: {ex.Message}");
                    }
                }
                Assert.True(failures.Count == 0, string.Join("\n", failures.Distinct()));
            }
        }

        [Fact]
        public async Task A_cis_category_answer_without_a_value_is_a_typed_error_naming_the_server_and_request()
        {
            static HostileAnswer Json(string json) => new HostileAnswer { ContentType = "application/json", Body = Encoding.UTF8.GetBytes(json) };
            using (var server = new HostileServer((m, n) =>
                m == "POST /rest/com/vmware/cis/session" ? Json("{\"value\": \"token\"}")
                : m == "GET /rest/com/vmware/cis/tagging/category" ? Json("{\"value\": [\"c1\"]}")
                : m.StartsWith("GET /rest/com/vmware/cis/tagging/category/id:", StringComparison.Ordinal) ? Json("{}")
                : m.StartsWith("DELETE /rest/", StringComparison.Ordinal) ? Json("{}")
                : HostileServer.Behave(m, n)))
            using (var client = await VimClient.ConnectAsync(server.Url, Account, Options(server), CancellationToken.None))
            {
                var ex = await Assert.ThrowsAsync<VimConnectionException>(() => new VirtCompliance.Vim.Cis.TagClient(client).ReadAttachedTagsAsync(CancellationToken.None));
                Assert.Contains(server.Url.Host, ex.Message);
                Assert.Contains("tagging/category/id:c1", ex.Message);
            }
        }

        [Fact]
        public async Task An_answer_with_more_after_its_envelope_is_refused()
        {
            using (var server = new HostileServer(HostileServer.Until("RetrieveServiceContent",
                _ => HostileAnswer.Xml(HostileServer.Recorded("01-RetrieveServiceContent.response.xml") + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"/>"))))
            {
                var ex = await Refused(server);
                Assert.Contains("RetrieveServiceContent", ex.Message);
            }
        }

        [Fact]
        public async Task A_redirect_of_the_login_is_not_followed_so_the_password_goes_nowhere_else()
        {
            using (var elsewhere = new HostileServer(HostileServer.Behave))
            using (var server = new HostileServer(HostileServer.Until("Login", _ =>
            {
                var redirect = new HostileAnswer { Status = 307, ContentType = "text/html" };
                redirect.Headers["Location"] = elsewhere.Url.ToString();
                return redirect;
            })))
            {
                var ex = await Refused(server);
                Assert.Contains("redirect", ex.Message);
                Assert.Contains(elsewhere.Url.ToString(), ex.Message);
                Assert.Equal(0, elsewhere.Requests);
                Assert.Equal(new[] { "RetrieveServiceContent", "Login" }, server.Methods.ToArray());
            }
        }

        [Fact]
        public async Task A_compressed_answer_that_expands_past_the_limit_is_stopped()
        {
            // 64 MB of the same byte compresses to about 64 KB; the client stops reading at 1 MB.
            var bomb = Encoding.UTF8.GetBytes(HostileServer.Envelope("<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>" + new string('x', 64 * 1024 * 1024) + "</returnval></RetrieveServiceContentResponse>"));
            using (var server = new HostileServer(HostileServer.Until("RetrieveServiceContent", _ => new HostileAnswer { Body = bomb, ContentEncoding = "gzip" })))
            {
                var options = Options(server);
                options.MaxResponseBytes = 1024 * 1024;
                var ex = await Refused(server, options);
                Assert.Contains("larger than 1 MB", ex.Message);
            }
        }

        [Fact]
        public async Task An_announced_answer_larger_than_the_limit_is_refused_unread()
        {
            using (var server = new HostileServer(HostileServer.Until("RetrieveServiceContent", _ => new HostileAnswer { ContentLength = 2L * 1024 * 1024 * 1024, Stall = true })))
            {
                var ex = await Refused(server);
                Assert.Contains("2048 MB", ex.Message);
            }
        }

        [Fact]
        public async Task A_body_that_trickles_is_cut_off_by_the_time_limit()
        {
            var slow = HostileServer.Recorded("01-RetrieveServiceContent.response.xml");
            using (var server = new HostileServer(HostileServer.Until("RetrieveServiceContent", _ => new HostileAnswer { Body = Encoding.UTF8.GetBytes(slow), Trickle = TimeSpan.FromMilliseconds(200) })))
            {
                var ex = await Refused(server, Options(server, TimeSpan.FromSeconds(2)));
                Assert.Contains("did not finish answering RetrieveServiceContent within 2 s", ex.Message);
            }
        }

        [Fact]
        public async Task A_body_announced_but_never_sent_is_cut_off_by_the_time_limit()
        {
            using (var server = new HostileServer(HostileServer.Until("Login", _ => new HostileAnswer { ContentLength = 5000, Body = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>"), Stall = true })))
            {
                var ex = await Refused(server, Options(server, TimeSpan.FromSeconds(2)));
                Assert.Contains("Login within 2 s", ex.Message);
            }
        }

        private static string Page(string token) => HostileServer.Envelope(
            "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>" + (token == null ? "" : $"<token>{token}</token>") +
            "<objects><obj type=\"Folder\">group-d1</obj><propSet><name>name</name><val xsi:type=\"xsd:string\">Datacenters</val></propSet></objects>" +
            "</returnval></RetrievePropertiesExResponse>");

        [Fact]
        public async Task Paging_that_hands_out_the_same_token_again_is_stopped()
        {
            using (var server = new HostileServer((m, n) => m == "RetrievePropertiesEx" || m == "ContinueRetrievePropertiesEx"
                ? HostileAnswer.Xml(Page("always-the-same")) : HostileServer.Behave(m, n)))
            {
                var ex = await RefusedCollecting(server);
                Assert.Contains("already given", ex.Message);
                Assert.True(server.Methods.Count(m => m == "ContinueRetrievePropertiesEx") <= 2, string.Join(",", server.Methods));
            }
        }

        [Fact]
        public async Task Paging_that_never_ends_is_stopped_at_the_page_limit()
        {
            using (var server = new HostileServer((m, n) => m == "RetrievePropertiesEx" || m == "ContinueRetrievePropertiesEx"
                ? HostileAnswer.Xml(Page("token-" + n)) : HostileServer.Behave(m, n)))
            {
                var options = Options(server);
                options.MaxPages = 5;
                var ex = await RefusedCollecting(server, options);
                Assert.Contains("more than 5 pages", ex.Message);
                Assert.True(server.Methods.Count(m => m == "ContinueRetrievePropertiesEx") <= 6, string.Join(",", server.Methods));
            }
        }

        [Theory]
        [InlineData("<objects><obj><type>Folder</type></obj></objects>")]                             // obj that is not a reference
        [InlineData("<objects><obj type=\"Folder\">group-d1</obj><missingSet>gone</missingSet></objects>")] // missingSet that is text
        [InlineData("<objects><propSet><name>name</name></propSet></objects>")]                        // no obj at all
        // A propSet without a name, an empty propSet, a missingSet without a path (each once put a null key in a dictionary).
        [InlineData("<objects><obj type=\"Folder\">group-d1</obj><propSet><val>x</val></propSet></objects>")]
        [InlineData("<objects><obj type=\"Folder\">group-d1</obj><propSet/></objects>")]
        [InlineData("<objects><obj type=\"Folder\">group-d1</obj><missingSet><fault><fault/></fault></missingSet></objects>")]
        public async Task A_page_of_the_wrong_shape_is_a_typed_error_naming_the_method(string objects)
        {
            using (var server = new HostileServer((m, n) => m == "RetrievePropertiesEx"
                ? HostileAnswer.Xml(HostileServer.Envelope($"<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>{objects}</returnval></RetrievePropertiesExResponse>"))
                : HostileServer.Behave(m, n)))
            {
                var ex = await RefusedCollecting(server);
                Assert.Contains("RetrievePropertiesEx", ex.Message);
            }
        }

        [Fact]
        public async Task A_container_view_that_is_not_a_reference_is_a_typed_error()
        {
            using (var server = new HostileServer(HostileServer.Until("CreateContainerView",
                _ => HostileAnswer.Xml(HostileServer.Envelope("<CreateContainerViewResponse xmlns=\"urn:vim25\"><returnval><a>b</a></returnval></CreateContainerViewResponse>")))))
            {
                var ex = await RefusedCollecting(server);
                Assert.Contains("CreateContainerView", ex.Message);
            }
        }

        [Fact]
        public void The_nightly_job_against_a_server_that_used_to_crash_the_module_exits_2_with_one_line()
        {
            var deep = new StringBuilder();
            for (var i = 0; i < 20000; i++) deep.Append("<a>");
            for (var i = 0; i < 20000; i++) deep.Append("</a>");
            using (var server = new HostileServer(HostileServer.Until("RetrieveServiceContent",
                _ => HostileAnswer.Xml(HostileServer.Envelope($"<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>{deep}</returnval></RetrieveServiceContentResponse>")))))
            using (var evidence = new TempFolder())
            {
                var script = System.IO.Path.Combine(Lab.RepositoryRoot, "out", "VirtCompliance", "samples", "Invoke-NightlyCompliance.ps1");
                Assert.True(System.IO.File.Exists(script), $"{script} is missing: build.ps1 Build publishes the module first.");
                var command = $"& '{script}' -Server '{server.Url.Host}:{server.Url.Port}' -CertificateThumbprint '{server.Thumbprint}' -EvidenceRoot '{evidence.Path}' " +
                              $"-Credential ([pscredential]::new('{Account.UserName}', (ConvertTo-SecureString '{Account.Password}' -AsPlainText -Force))); exit $LASTEXITCODE";
                var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = Lab.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
                foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", command }) psi.ArgumentList.Add(a);
                psi.Environment["NO_COLOR"] = "1";
                using (var process = System.Diagnostics.Process.Start(psi))
                {
                    process.StandardInput.Close();
                    var stdout = process.StandardOutput.ReadToEndAsync();
                    var stderr = process.StandardError.ReadToEndAsync();
                    Assert.True(process.WaitForExit(120_000), "the nightly job did not end");
                    var lines = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    Assert.Equal(2, process.ExitCode);
                    var line = Assert.Single(lines);
                    Assert.Contains($"127.0.0.1:{server.Url.Port}", line);
                    Assert.Contains("RetrieveServiceContent", line);
                    Assert.DoesNotContain(Account.Password, stdout.Result + stderr.Result);
                    Assert.Empty(System.IO.Directory.GetFileSystemEntries(evidence.Path));
                }
            }
        }

        [Fact]
        public async Task Plain_http_is_refused_unless_asked_for()
        {
            var http = new Uri("http://127.0.0.1:9/sdk");
            var ex = await Assert.ThrowsAsync<VimConnectionException>(() => VimClient.ConnectAsync(http, Account, new VimConnectionOptions(), CancellationToken.None));
            Assert.Contains("-AllowInsecureHttp", ex.Message);
        }

        [Fact]
        public void A_password_in_the_server_url_is_refused_and_never_echoed()
        {
            var ex = Assert.Throws<ArgumentException>(() => VimClient.SdkUrl("https://auditor:S3cret-Pa55@vcsa-01.example.com/sdk"));
            Assert.DoesNotContain("S3cret-Pa55", ex.Message);
            Assert.Contains("-Credential", ex.Message);
            Assert.Equal("https://***@vcsa-01/sdk", VimClient.WithoutUserInfo("https://user:pw@vcsa-01/sdk"));
        }
    }
}

namespace VirtCompliance.Tests.Vim
{
    /// <summary>
    /// Seeded, bounded fuzzing of the SOAP path: recorded simulator answers, mutated (truncated, bytes
    /// flipped, elements doubled or nested deep, types changed), served by a hostile server. Every
    /// connection and collection either works or ends in one typed error (VimConnectionException, or a
    /// vim25 fault as VimFaultException) naming the server; no raw .NET exception, no hang.
    /// </summary>
    public class SoapFuzzTests
    {
        private const int Seed = 20261201;

        private static string Mutate(string xml, System.Random r)
        {
            switch (r.Next(7))
            {
                case 0: return xml.Substring(0, r.Next(xml.Length));
                case 1: { var c = xml.ToCharArray(); var i = r.Next(c.Length); c[i] = (char)(c[i] ^ (1 << r.Next(7))); return new string(c); }
                case 2: { var i = xml.IndexOf("<returnval", System.StringComparison.Ordinal); return i < 0 ? xml : xml.Insert(i, string.Concat(System.Linq.Enumerable.Repeat("<x>", 5000)) + string.Concat(System.Linq.Enumerable.Repeat("</x>", 5000))); }
                case 3: return xml.Replace("type=\"", "xsi:type=\"");
                case 4: return System.Text.RegularExpressions.Regex.Replace(xml, @">[^<]{1,40}<", m => r.Next(3) == 0 ? "><" : m.Value);
                case 5: { var i = r.Next(xml.Length); return xml.Insert(i, "<bogus attr=\"1\">text</bogus>"); }
                default: return xml.Replace("</returnval>", "</returnval><returnval type=\"Folder\">extra</returnval>");
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task Mutated_answers_end_in_a_typed_error_or_a_working_collection()
        {
            var random = new System.Random(Seed);
            var failures = new System.Collections.Generic.List<string>();
            var targets = new[] { "RetrieveServiceContent", "Login", "CreateContainerView", "RetrievePropertiesEx" };
            var page = HostileServer.Recorded("04-RetrievePropertiesEx-containerview.response.xml");
            for (var round = 0; round < 48; round++)
            {
                var target = targets[round % targets.Length];
                var rng = new System.Random(random.Next());
                using (var server = new HostileServer((m, n) =>
                {
                    if (m != target) return m == "RetrievePropertiesEx" ? HostileAnswer.Xml(page) : HostileServer.Behave(m, n);
                    var good = m == "RetrievePropertiesEx" ? page : HostileServer.Behave(m, n) is HostileAnswer a ? System.Text.Encoding.UTF8.GetString(a.Body) : "";
                    return HostileAnswer.Xml(Mutate(good, rng));
                }))
                {
                    try
                    {
                        var options = new VirtCompliance.Vim.VimConnectionOptions { CertificateThumbprint = server.Thumbprint, RequestTimeout = System.TimeSpan.FromSeconds(20) };
                        using (var client = await VirtCompliance.Vim.VimClient.ConnectAsync(server.Url, new System.Net.NetworkCredential("u", "p"), options, System.Threading.CancellationToken.None))
                            await new VirtCompliance.Vim.Collector.InventoryCollector(client) { ReadSoftware = false, ReadTags = false, ReadPorts = false }.CollectAsync(null, System.Threading.CancellationToken.None);
                    }
                    catch (VirtCompliance.Vim.VimConnectionException ex) when (ex.Message.Contains(server.Url.Host)) { }
                    catch (VirtCompliance.Vim.Soap.VimFaultException) { }
                    catch (VirtCompliance.Model.InventoryReferenceException) { }
                    catch (System.Exception ex)
                    {
                        failures.Add($"round {round} ({target}): {ex.GetType().FullName}: {ex.Message}");
                    }
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
    }
}
