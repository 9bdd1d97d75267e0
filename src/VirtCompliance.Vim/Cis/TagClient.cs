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
    /// vSphere tags through the CIS REST API (/rest/com/vmware/cis/...), in one <see cref="CisSession"/>:
    /// read categories and tags, and which objects carry each tag. Tags are not part
    /// of vim25, so the scope of a VM tagged "PCI-Scope/CDE" comes from here.
    /// </summary>
    public sealed class TagClient
    {
        private const string Tagging = "com/vmware/cis/tagging/";
        private readonly CisSession _cis;
        private readonly Uri _base;

        public TagClient(VimClient vim)
        {
            _cis = new CisSession(vim);
            _base = new Uri(_cis.Base, "com/vmware/cis/");
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
            if (!await _cis.LoginAsync(cancel).ConfigureAwait(false)) return null;
            try
            {
                // A category's name may be missing; its tags then name the category by id.
                var categories = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var id in Strings(await _cis.GetAsync(Tagging + "category", cancel).ConfigureAwait(false), Tagging + "category"))
                    categories[id] = (string?)(await _cis.GetValueAsync(Tagging + "category/id:" + Uri.EscapeDataString(id), cancel).ConfigureAwait(false))["name"];
                var tags = new Dictionary<string, VmTag>(StringComparer.Ordinal);
                foreach (var id in Strings(await _cis.GetAsync(Tagging + "tag", cancel).ConfigureAwait(false), Tagging + "tag"))
                {
                    var tag = await _cis.GetValueAsync(Tagging + "tag/id:" + Uri.EscapeDataString(id), cancel).ConfigureAwait(false);
                    categories.TryGetValue((string?)tag["category_id"] ?? "", out var category);
                    tags[id] = new VmTag { Category = category ?? (string?)tag["category_id"], Name = (string?)tag["name"] };
                }
                var result = new Dictionary<string, List<VmTag>>(StringComparer.Ordinal);
                if (tags.Count == 0) return result;
                var body = new JObject { ["tag_ids"] = new JArray(tags.Keys.ToArray()) };
                var attached = await _cis.SendAsync(HttpMethod.Post, Tagging + "tag-association?~action=list-attached-objects-on-tags", body, cancel).ConfigureAwait(false);
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
                await _cis.LogoutAsync().ConfigureAwait(false);
            }
        }

        /// <summary>A list of ids; an empty list may come as null (Go encodes an empty slice that way). A null id is a typed error naming the request.</summary>
        private IEnumerable<string> Strings(JToken? token, string path) =>
            token is JArray array
                ? array.Values<string>().Select(id => id ?? throw new VimConnectionException($"{_cis.Base}{path} answered a list of ids with a null in it."))
                : Enumerable.Empty<string>();
    }
}
