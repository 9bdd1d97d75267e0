using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VirtCompliance.Common;

namespace VirtCompliance.Vim.Cis
{
    /// <summary>
    /// One session of the CIS REST API (/rest/...), logged in with the vim25 client's credential,
    /// over its HTTP client (same certificate checks, limits and timeouts). Every answer is read
    /// with the strict JSON grammar; a failure is a typed error naming the server and the request.
    /// </summary>
    internal sealed class CisSession
    {
        private const string SessionHeader = "vmware-api-session-id";
        private const string SessionPath = "com/vmware/cis/session";
        private readonly VimClient _vim;
        private string? _session;

        public CisSession(VimClient vim)
        {
            _vim = vim;
            Base = new UriBuilder(vim.Url) { Path = "/rest/" }.Uri;
        }

        /// <summary>https://server/rest/: requests are relative to it, and errors name it.</summary>
        public Uri Base { get; }

        /// <summary>Logs in; false when the server has no CIS REST API (an ESXi host, an old simulator).</summary>
        public async Task<bool> LoginAsync(CancellationToken cancel)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Base, SessionPath));
            // A session attached from another client has no credential; the collector does not ask then.
            var credential = _vim.Credential
                ?? throw new VimConnectionException($"The session to {_vim.Url.Host} was attached from another client and has no credential for the CIS REST API.");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));
            using (var response = await Send(request, "the CIS REST login", cancel).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.NotFound) return false;
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                    throw new Soap.InvalidLoginException("The CIS REST API refused the user name or password.", null);
                var json = await Json(response, SessionPath).ConfigureAwait(false);
                _session = (string?)json;
                return _session != null;
            }
        }

        /// <summary>Ends the session; a failure is ignored, as the session expires on its own.</summary>
        public async Task LogoutAsync()
        {
            try { await SendAsync(HttpMethod.Delete, SessionPath, null, CancellationToken.None).ConfigureAwait(false); }
            catch (VimConnectionException) { /* the session expires on its own */ }
        }

        /// <summary>The answer's value; null when it has none.</summary>
        public Task<JToken?> GetAsync(string path, CancellationToken cancel) => SendAsync(HttpMethod.Get, path, null, cancel);

        /// <summary>The answer's value, or null when the server does not have the path or refuses it to this user (HTTP 404, 403).</summary>
        public async Task<JToken?> GetIfAllowedAsync(string path, CancellationToken cancel)
        {
            using (var response = await Send(Request(HttpMethod.Get, path, null), path, cancel).ConfigureAwait(false))
                return response.StatusCode == HttpStatusCode.NotFound || response.StatusCode == HttpStatusCode.Forbidden ? null
                    : await Json(response, path).ConfigureAwait(false);
        }

        /// <summary>The value of an answer that must have one; an answer without is a typed error naming the server and request.</summary>
        public async Task<JToken> GetValueAsync(string path, CancellationToken cancel) =>
            await GetAsync(path, cancel).ConfigureAwait(false)
                ?? throw new VimConnectionException($"{Base}{path} answered without a value.");

        /// <summary>The answer's value (null when it has none, and for DELETE, whose answer is not read).</summary>
        public async Task<JToken?> SendAsync(HttpMethod method, string path, JObject? body, CancellationToken cancel)
        {
            using (var response = await Send(Request(method, path, body), path, cancel).ConfigureAwait(false))
                return method == HttpMethod.Delete ? null : await Json(response, path).ConfigureAwait(false);
        }

        /// <summary>
        /// Sets a value (HTTP PUT; the appliance answers without a body). Null when it was set; else what the server
        /// answered, as the step's error: a refusal is not a lost connection.
        /// </summary>
        public async Task<string?> PutAsync(string path, JObject body, CancellationToken cancel)
        {
            using (var response = await Send(Request(HttpMethod.Put, path, body), path, cancel).ConfigureAwait(false))
                return response.IsSuccessStatusCode ? null : $"{Base}{path} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }

        private HttpRequestMessage Request(HttpMethod method, string path, JObject? body)
        {
            var request = new HttpRequestMessage(method, new Uri(Base, path));
            request.Headers.Add(SessionHeader, _session ?? "");
            if (body != null) request.Content = new StringContent(body.ToString(Newtonsoft.Json.Formatting.None), Encoding.UTF8, "application/json");
            return request;
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
                    throw new VimConnectionException($"{Base} did not answer {what} within {_vim.Options.RequestTimeout.TotalSeconds:F0} s.");
                }
            }
        }

        private async Task<JToken?> Json(HttpResponseMessage response, string what)
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new VimConnectionException($"{Base}{what} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            try
            {
                // The same strict grammar as every JSON file: no comments, NaN, duplicate keys or depth without end.
                StrictJson.Check(text, Base + what);
                return JToken.Parse(text)["value"];
            }
            catch (DataFileException ex)
            {
                throw new VimConnectionException($"{Base}{what} answered with malformed JSON at {ex.Line}:{ex.Column}: {ex.Problem}", ex);
            }
            catch (Newtonsoft.Json.JsonException ex)
            {
                throw new VimConnectionException($"{Base}{what} answered with malformed JSON: {ex.Message}", ex);
            }
        }
    }
}
