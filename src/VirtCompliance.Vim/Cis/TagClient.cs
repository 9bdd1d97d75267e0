using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;
using VirtCompliance.Model;

namespace VirtCompliance.Vim.Cis
{
    /// <summary>
    /// vSphere tags through the CIS REST API (/rest/com/vmware/cis/...): log in with the same
    /// credential, read categories and tags, and which objects carry each tag. Tags are not part
    /// of vim25, so the scope of a VM tagged "PCI-Scope/CDE" comes from here.
    /// </summary>
    public sealed class TagClient
    {
        private const string SessionHeader = "vmware-api-session-id";
        private readonly VimClient _vim;
        private readonly Uri _base;
        private string? _session;

        public TagClient(VimClient vim)
        {
            _vim = vim;
            _base = new UriBuilder(vim.Url) { Path = "/rest/com/vmware/cis/" }.Uri;
        }

        /// <summary>Object id (e.g. "vm-42") → its tags. Null when the server has no CIS REST API (an ESXi host, an old simulator).</summary>
        public async Task<Dictionary<string, List<VmTag>>?> ReadAttachedTagsAsync(CancellationToken cancel)
        {
            try
            {
                return await ReadTagsAsync(cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is InvalidOperationException || ex is FormatException || ex is OverflowException)
            {
                // JSON of the wrong shape (an object where a string belongs, a list where an object does).
                throw new VimConnectionException($"{_base} answered the tag requests with JSON that is not the CIS tagging API's: {ex.Message}", ex);
            }
        }

        private async Task<Dictionary<string, List<VmTag>>?> ReadTagsAsync(CancellationToken cancel)
        {
            if (!await LoginAsync(cancel).ConfigureAwait(false)) return null;
            try
            {
                // A category's name may be missing; its tags then name the category by id.
                var categories = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var id in Strings(await GetAsync("tagging/category", cancel).ConfigureAwait(false), "tagging/category"))
                    categories[id] = (string?)(await GetValueAsync("tagging/category/id:" + Uri.EscapeDataString(id), cancel).ConfigureAwait(false))["name"];
                var tags = new Dictionary<string, VmTag>(StringComparer.Ordinal);
                foreach (var id in Strings(await GetAsync("tagging/tag", cancel).ConfigureAwait(false), "tagging/tag"))
                {
                    var tag = await GetValueAsync("tagging/tag/id:" + Uri.EscapeDataString(id), cancel).ConfigureAwait(false);
                    categories.TryGetValue((string?)tag["category_id"] ?? "", out var category);
                    tags[id] = new VmTag { Category = category ?? (string?)tag["category_id"], Name = (string?)tag["name"] };
                }
                var result = new Dictionary<string, List<VmTag>>(StringComparer.Ordinal);
                if (tags.Count == 0) return result;
                var body = new JObject { ["tag_ids"] = new JArray(tags.Keys.ToArray()) };
                var attached = await SendAsync(HttpMethod.Post, "tagging/tag-association?~action=list-attached-objects-on-tags", body, cancel).ConfigureAwait(false);
                foreach (var entry in (attached as JArray)?.Children<JObject>() ?? Enumerable.Empty<JObject>())
                {
                    if (!tags.TryGetValue((string?)entry["tag_id"] ?? "", out var tag)) continue;
                    foreach (var obj in entry["object_ids"]?.Children<JObject>() ?? Enumerable.Empty<JObject>())
                    {
                        var objectId = (string?)obj["id"];
                        if (objectId == null) continue;
                        if (!result.TryGetValue(objectId, out var list)) result[objectId] = list = new List<VmTag>();
                        list.Add(tag);
                    }
                }
                return result;
            }
            finally
            {
                try { await SendAsync(HttpMethod.Delete, "session", null, CancellationToken.None).ConfigureAwait(false); }
                catch (VimConnectionException) { /* the session expires on its own */ }
            }
        }

        /// <summary>A list of ids; an empty list may come as null (Go encodes an empty slice that way). A null id is a typed error naming the request.</summary>
        private IEnumerable<string> Strings(JToken? token, string path) =>
            token is JArray array
                ? array.Values<string>().Select(id => id ?? throw new VimConnectionException($"{_base}{path} answered a list of ids with a null in it."))
                : Enumerable.Empty<string>();

        private async Task<bool> LoginAsync(CancellationToken cancel)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "session"));
            // A session attached from another client has no credential; the collector does not ask for tags then.
            var credential = _vim.Credential
                ?? throw new VimConnectionException($"The session to {_vim.Url.Host} was attached from another client and has no credential for the CIS REST API.");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));
            using (var response = await Send(request, "the CIS REST login", cancel).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.NotFound) return false;
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                    throw new Soap.InvalidLoginException("The CIS REST API refused the user name or password.", null);
                var json = await Json(response, "session").ConfigureAwait(false);
                _session = (string?)json;
                return _session != null;
            }
        }

        /// <summary>The answer's value; null when it has none.</summary>
        private Task<JToken?> GetAsync(string path, CancellationToken cancel) => SendAsync(HttpMethod.Get, path, null, cancel);

        /// <summary>The value of an answer that must have one (a category, a tag); an answer without is a typed error naming the server and request.</summary>
        private async Task<JToken> GetValueAsync(string path, CancellationToken cancel) =>
            await GetAsync(path, cancel).ConfigureAwait(false)
                ?? throw new VimConnectionException($"{_base}{path} answered without a value.");

        /// <summary>The answer's value (null when it has none, and for DELETE, whose answer is not read).</summary>
        private async Task<JToken?> SendAsync(HttpMethod method, string path, JObject? body, CancellationToken cancel)
        {
            var request = new HttpRequestMessage(method, new Uri(_base, path));
            request.Headers.Add(SessionHeader, _session ?? "");
            if (body != null) request.Content = new StringContent(body.ToString(Newtonsoft.Json.Formatting.None), Encoding.UTF8, "application/json");
            using (var response = await Send(request, path, cancel).ConfigureAwait(false))
                return method == HttpMethod.Delete ? null : await Json(response, path).ConfigureAwait(false);
        }

        private async Task<HttpResponseMessage> Send(HttpRequestMessage request, string what, CancellationToken cancel)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                timeout.CancelAfter(_vim.Options.RequestTimeout);
                try
                {
                    return await _vim.Http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw _vim.TransportError(what, ex);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    throw new VimConnectionException($"{_base} did not answer {what} within {_vim.Options.RequestTimeout.TotalSeconds:F0} s.");
                }
            }
        }

        private async Task<JToken?> Json(HttpResponseMessage response, string what)
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new VimConnectionException($"{_base}{what} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            try
            {
                // The same strict grammar as every JSON file: no comments, NaN, duplicate keys or depth without end.
                StrictJson.Check(text, _base + what);
                return JToken.Parse(text)["value"];
            }
            catch (DataFileException ex)
            {
                throw new VimConnectionException($"{_base}{what} answered with malformed JSON at {ex.Line}:{ex.Column}: {ex.Problem}", ex);
            }
            catch (Newtonsoft.Json.JsonException ex)
            {
                throw new VimConnectionException($"{_base}{what} answered with malformed JSON: {ex.Message}", ex);
            }
        }
    }
}
