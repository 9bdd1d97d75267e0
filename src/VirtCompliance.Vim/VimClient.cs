using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using VirtCompliance.Vim.Soap;

namespace VirtCompliance.Vim
{
    /// <summary>
    /// A vim25 SOAP session with a vCenter Server or ESXi host: login with the
    /// vmware_soap_session cookie, one transparent re-login when the session expires, typed
    /// faults, cancellation, and the property collector calls the inventory collector needs.
    /// Not thread-safe: one request at a time.
    /// </summary>
    public sealed class VimClient : IDisposable
    {
        private readonly HttpClient _http;
        private readonly CookieContainer _cookies = new CookieContainer();
        private readonly NetworkCredential? _credential;
        private readonly VimConnectionOptions _options;
        private string? _seenThumbprint;

        private VimClient(Uri url, NetworkCredential? credential, VimConnectionOptions options)
        {
            Url = url;
            _credential = credential;
            _options = options;
            var handler = new HttpClientHandler
            {
                CookieContainer = _cookies,
                UseCookies = true,
                // A redirect would re-send the request, a Login's password with it, to wherever the answer points.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                ServerCertificateCustomValidationCallback = ValidateCertificate,
            };
            // The CIS REST answers are buffered whole: bounded like the SOAP answers.
            _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = Math.Min(int.MaxValue, _options.MaxResponseBytes) };
            _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("VirtCompliance", "0.1"));
        }

        public Uri Url { get; }
        /// <summary>The account's user name; for an attached session, what the server reported (null when it reported none).</summary>
        public string? UserName => _credential?.UserName ?? _sharedUser;
        private string? _sharedUser;
        /// <summary>The retrieved ServiceContent (about, rootFolder, propertyCollector, viewManager ...).</summary>
        /// <remarks>
        /// The constructor is private, and ConnectAsync and AttachAsync set this (from ServiceContentOf,
        /// which never returns null) before they hand the client out; only the RetrieveServiceContent
        /// call itself runs before, and it does not read this. So no caller sees it unset.
        /// </remarks>
        public VimObject ServiceContent { get; private set; } = null!;
        // ServiceContentOf refuses a service content without rootFolder, propertyCollector, viewManager or sessionManager, so these four are never null.
        public VimRef RootFolder => ServiceContent.Ref("rootFolder")!;
        public VimRef PropertyCollector => ServiceContent.Ref("propertyCollector")!;
        public VimRef ViewManager => ServiceContent.Ref("viewManager")!;
        public VimRef SessionManager => ServiceContent.Ref("sessionManager")!;
        /// <summary>Null on a server without custom fields (an ESXi host may have none).</summary>
        public VimRef? CustomFieldsManager => ServiceContent.Ref("customFieldsManager");
        /// <summary>"VMware vCenter Server 8.0.3 build-..." from ServiceContent.about.fullName.</summary>
        public string? ServerDescription => ServiceContent.Object("about")?.Text("fullName");
        /// <summary>"VirtualCenter" or "HostAgent".</summary>
        public string? ApiType => ServiceContent.Object("about")?.Text("apiType");
        public string? ApiVersion => ServiceContent.Object("about")?.Text("apiVersion");

        /// <summary>
        /// The API version the requests name (SOAPAction "urn:vim25/VERSION"). A server sends only the
        /// fields of the version a client names, so the client names the newest one whose fields it reads
        /// that the server has: 8.0.2.0 (firewall ruleset ownership), 7.0 (Secure Boot), else 6.7.
        /// </summary>
        public string RequestVersion { get; private set; } = BaseVersion;

        private const string BaseVersion = "6.7";

        /// <summary>The version to name for a server of this apiVersion.</summary>
        public static string NegotiatedVersion(string? apiVersion)
        {
            if (!Version.TryParse(apiVersion ?? "", out var server)) return BaseVersion;
            if (server >= new Version(8, 0, 2, 0)) return "8.0.2.0";
            if (server >= new Version(7, 0, 2, 0)) return "7.0.2.0";
            if (server >= new Version(7, 0)) return "7.0";
            return BaseVersion;
        }

        /// <summary>True when the requests name <paramref name="version"/> or a later one.</summary>
        public bool Speaks(string version) => Version.Parse(RequestVersion) >= Version.Parse(version);
        /// <summary>SHA-1 thumbprint of the server certificate seen on connect (colon-separated hex); null over plain HTTP.</summary>
        public string? CertificateThumbprint => _seenThumbprint;
        /// <summary>How many SOAP requests this client has sent.</summary>
        public int RequestCount => _requestCount;
        private int _requestCount;
        public bool LoggedIn { get; private set; }

        /// <summary>The HTTP client (TLS settings, cookies) for the same server's other APIs (the CIS REST API for tags).</summary>
        internal HttpClient Http => _http;
        /// <summary>Null for a session attached from another client (<see cref="AttachAsync"/>).</summary>
        internal NetworkCredential? Credential => _credential;
        internal VimConnectionOptions Options => _options;

        /// <summary>Turns a transport failure on this connection into a VimConnectionException that says what to do.</summary>
        internal Exception TransportError(string what, HttpRequestException ex) => ConnectionError(what, ex);

        /// <summary>Tests only: sees each request body (method, bytes) before it is sent. Internal because a Login body holds the password.</summary>
        internal Action<string, byte[]>? RequestObserver { get; set; }

        /// <summary>"vc01", "vc01:8443" or "https://vc01/sdk" → the SDK URL.</summary>
        public static Uri SdkUrl(string server)
        {
            if (string.IsNullOrWhiteSpace(server)) throw new ArgumentException("A server name or URL is needed.", nameof(server));
            var text = server.Trim();
            if (!text.Contains("://")) text = "https://" + text;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
                throw new ArgumentException($"'{WithoutUserInfo(server)}' is not a server name, host:port or http(s) URL.", nameof(server));
            // Never echoed: the user info may hold a password.
            if (uri.UserInfo.Length > 0)
                throw new ArgumentException($"The server URL '{WithoutUserInfo(server)}' holds a user name or password; give the server alone and the account as -Credential.", nameof(server));
            var builder = new UriBuilder(uri);
            if (builder.Path == "/" || builder.Path.Length == 0) builder.Path = "/sdk";
            return builder.Uri;
        }

        /// <summary>The text with anything between "://" and "@" (a user name, a password) replaced by ***, for messages and error records.</summary>
        public static string WithoutUserInfo(string server)
        {
            var scheme = server.IndexOf("://", StringComparison.Ordinal);
            var at = server.LastIndexOf('@');
            var start = scheme < 0 ? 0 : scheme + 3;
            return at < start ? server : server.Substring(0, start) + "***@" + server.Substring(at + 1);
        }

        /// <summary>http:// only when asked for: over it the Login body, password included, crosses the network readable.</summary>
        private static void RequireSecure(Uri url, VimConnectionOptions? options)
        {
            if (url.Scheme == Uri.UriSchemeHttps || (options != null && options.AllowInsecureHttp)) return;
            throw new VimConnectionException($"{url.GetLeftPart(UriPartial.Authority)} is plain http: the password would cross the network readable. Use https, or pass -AllowInsecureHttp for a lab that has no TLS.");
        }

        /// <summary>Connects, retrieves the service content and logs in.</summary>
        public static Task<VimClient> ConnectAsync(Uri url, NetworkCredential credential, VimConnectionOptions? options, CancellationToken cancel) =>
            ConnectAsync(url, credential, options, cancel, null);

        /// <summary>Tests only: connects with a request observer in place from the first request.</summary>
        internal static async Task<VimClient> ConnectAsync(Uri url, NetworkCredential credential, VimConnectionOptions? options, CancellationToken cancel,
            Action<string, byte[]>? observer)
        {
            RequireSecure(url, options);
            var client = new VimClient(url, credential, options ?? new VimConnectionOptions()) { RequestObserver = observer };
            try
            {
                var content = await client.InvokeAsync(new SoapWriter("RetrieveServiceContent", new VimRef("ServiceInstance", "ServiceInstance")), cancel, retryLogin: false).ConfigureAwait(false);
                client.ServiceContent = ServiceContentOf(content, url);
                client.RequestVersion = NegotiatedVersion(client.ApiVersion);
                await client.LoginAsync(cancel).ConfigureAwait(false);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Attaches to a session another client logged in (PowerCLI's, by its session cookie): no login
        /// here, no re-login when it ends (there is no credential), and <see cref="LogoutAsync"/> leaves it
        /// to its owner. The session is checked (SessionManager.currentSession) before this returns.
        /// </summary>
        public static async Task<VimClient> AttachAsync(Uri url, string sessionCookie, VimConnectionOptions? options, CancellationToken cancel)
        {
            if (string.IsNullOrEmpty(sessionCookie)) throw new ArgumentException("A session cookie is needed.", nameof(sessionCookie));
            RequireSecure(url, options);
            var client = new VimClient(url, null, options ?? new VimConnectionOptions());
            try
            {
                client._cookies.Add(new Uri(url.GetLeftPart(UriPartial.Authority)), new Cookie(SessionCookieName, sessionCookie, "/"));
                var content = await client.InvokeAsync(new SoapWriter("RetrieveServiceContent", new VimRef("ServiceInstance", "ServiceInstance")), cancel, retryLogin: false).ConfigureAwait(false);
                client.ServiceContent = ServiceContentOf(content, url);
                client.RequestVersion = NegotiatedVersion(client.ApiVersion);
                var current = (await client.RetrieveObjectAsync(client.SessionManager, new[] { "currentSession" }, cancel).ConfigureAwait(false))?["currentSession"] as VimObject;
                if (current == null) throw new NotAuthenticatedException($"The session to {url.Host} is not logged in (any more); connect again in the client that owns it.", null);
                client._sharedUser = current.Text("userName");
                client.SharedSession = true;
                client.LoggedIn = true;
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>The service content, with the managers every call here goes through; a server whose answer lacks one is not a vSphere SDK endpoint.</summary>
        private static VimObject ServiceContentOf(VimValue? content, Uri url)
        {
            var service = content as VimObject ?? throw new VimConnectionException($"{url} answered RetrieveServiceContent without a service content; is it a vSphere SDK endpoint?");
            foreach (var manager in new[] { "rootFolder", "propertyCollector", "viewManager", "sessionManager" })
                if (string.IsNullOrEmpty(service.Ref(manager)?.Value))
                    throw new VimConnectionException($"{url} answered RetrieveServiceContent without {manager}; is it a vSphere SDK endpoint?");
            return service;
        }

        /// <summary>The cookie vSphere keeps a vim25 session in.</summary>
        public const string SessionCookieName = "vmware_soap_session";

        /// <summary>True when this client uses a session another client logged in (<see cref="AttachAsync"/>).</summary>
        public bool SharedSession { get; private set; }

        /// <summary>The vim25 session cookie of this client (what another client would attach with); null before login.</summary>
        internal string? SessionCookie => _cookies.GetCookies(Url)[SessionCookieName]?.Value;

        private async Task LoginAsync(CancellationToken cancel)
        {
            if (_credential == null)
                throw new NotAuthenticatedException($"The shared session to {Url.Host} has ended, and this client has no credential to log in again; connect again in the client that owns it.", null);
            using (var w = new SoapWriter("Login", SessionManager))
            {
                w.Text("userName", _credential.UserName).Text("password", _credential.Password);
                await InvokeAsync(w, cancel, retryLogin: false).ConfigureAwait(false);
            }
            LoggedIn = true;
        }

        public async Task LogoutAsync(CancellationToken cancel)
        {
            if (!LoggedIn) return;
            LoggedIn = false;
            // A shared session belongs to the client that logged it in: logging it out would disconnect that client too.
            if (SharedSession) return;
            using (var w = new SoapWriter("Logout", SessionManager))
                await InvokeAsync(w, cancel, retryLogin: false).ConfigureAwait(false);
        }

        /// <summary>Sends a request and returns its returnval. On NotAuthenticated it logs in again once and repeats the request.</summary>
        public async Task<VimValue?> InvokeAsync(SoapWriter request, CancellationToken cancel, bool retryLogin = true)
        {
            var all = await InvokeListAsync(request, cancel, retryLogin).ConfigureAwait(false);
            return all.Count == 0 ? null : all[0];
        }

        /// <summary>As <see cref="InvokeAsync"/>, for methods that return an array: every returnval.</summary>
        public async Task<IReadOnlyList<VimValue>> InvokeListAsync(SoapWriter request, CancellationToken cancel, bool retryLogin = true)
        {
            var body = request.ToArray();
            try
            {
                return await SendAsync(body, request.Method, s => SoapReader.ReadReturns(s, request.Method), cancel).ConfigureAwait(false);
            }
            catch (NotAuthenticatedException) when (retryLogin && _credential != null)
            {
                await LoginAsync(cancel).ConfigureAwait(false);
                return await SendAsync(body, request.Method, s => SoapReader.ReadReturns(s, request.Method), cancel).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// RetrievePropertiesEx over a container view, page by page (ContinueRetrievePropertiesEx),
        /// handing out each object as it is read. The next page is requested as soon as the
        /// current page's token is read, before its objects are parsed, so that the server
        /// prepares page N+1 while this client parses page N. Servers that ignore maxObjects
        /// return everything at once. An expired session is logged in again once and the
        /// retrieval restarted.
        /// </summary>
        public async Task RetrieveAsync(VimRef view, IReadOnlyList<PropertySpec> specs, Action<ObjectContent> onObject, CancellationToken cancel,
            Func<string, string?, bool>? keepItem = null)
        {
            byte[] first;
            using (var w = RetrievePropertiesRequest(PropertyCollector, view, specs, _options.PageSize)) first = w.ToArray();
            for (var attempt = 0; ; attempt++)
            {
                var method = "RetrievePropertiesEx";
                MemoryStream? page = await FetchAsync(first, method, cancel).ConfigureAwait(false);
                var firstPage = true;
                var restart = false;
                var tokens = new HashSet<string>(StringComparer.Ordinal);
                while (page != null)
                {
                    Task<MemoryStream>? next = null;
                    try
                    {
                        var token = Parse(page, method, s => SoapReader.PeekToken(s, method));
                        if (token != null)
                        {
                            // A server that hands out a token it gave before, or never stops, would keep this loop going for ever.
                            if (!tokens.Add(token))
                                throw new VimConnectionException($"{Url} answered {method} with a continuation token it had already given; the retrieval would never end.");
                            if (tokens.Count >= _options.MaxPages)
                                throw new VimConnectionException($"{Url} answered RetrievePropertiesEx with more than {_options.MaxPages} pages of {_options.PageSize} objects; stopped.");
                            using (var w = new SoapWriter("ContinueRetrievePropertiesEx", PropertyCollector)) next = FetchAsync(w.Text("token", token).ToArray(), w.Method, cancel);
                        }
                        var objects = new List<ObjectContent>();
                        Parse(page, method, s => SoapReader.ReadObjects(s, method, objects.Add, keepItem));
                        // vcsim reports an expired session as NotAuthenticated on every property rather than as a fault.
                        if (objects.Count > 0 && objects.All(o => o.Properties.Count == 0 && o.Missing.Count > 0 && o.Missing.Values.All(f => f == "NotAuthenticated")))
                            throw new NotAuthenticatedException("The session is not authenticated.", null);
                        foreach (var o in objects) onObject(o);
                    }
                    catch (NotAuthenticatedException) when (firstPage && attempt == 0)
                    {
                        await DiscardAsync(next).ConfigureAwait(false);
                        await LoginAsync(cancel).ConfigureAwait(false);
                        restart = true;
                        break;
                    }
                    catch
                    {
                        await DiscardAsync(next).ConfigureAwait(false);
                        throw;
                    }
                    finally
                    {
                        page.Dispose();
                    }
                    firstPage = false;
                    method = "ContinueRetrievePropertiesEx";
                    page = next == null ? null : await next.ConfigureAwait(false);
                }
                if (!restart) return;
            }
        }

        /// <summary>Sends a request and reads the whole answer into memory, unparsed.</summary>
        private Task<MemoryStream> FetchAsync(byte[] body, string method, CancellationToken cancel) =>
            SendAsync(body, method, s =>
            {
                var buffer = new MemoryStream();
                s.CopyTo(buffer);
                buffer.Position = 0;
                return buffer;
            }, cancel);

        private T Parse<T>(MemoryStream page, string method, Func<Stream, T> read)
        {
            page.Position = 0;
            try
            {
                return read(page);
            }
            catch (Exception ex) when (IsMalformed(ex))
            {
                throw Malformed(method, ex);
            }
        }

        /// <summary>What reading a hostile or broken answer can throw, before anything is trusted from it.</summary>
        private static bool IsMalformed(Exception ex) =>
            ex is System.Xml.XmlException || ex is InvalidDataException || ex is InvalidCastException || ex is FormatException || ex is OverflowException;

        private VimConnectionException Malformed(string method, Exception ex) =>
            new VimConnectionException($"{Url} sent an answer to {method} that is not a vim25 answer: {ex.Message}", ex);

        /// <summary>Waits for a prefetched page that is no longer wanted, ignoring how it ended.</summary>
        private static async Task DiscardAsync(Task<MemoryStream>? next)
        {
            if (next == null) return;
            try { (await next.ConfigureAwait(false)).Dispose(); }
            catch (Exception) { /* the page was not going to be used; its failure changes nothing */ }
        }

        /// <summary>The RetrievePropertiesEx request the collector sends: the given properties of every object in a container view.</summary>
        public static SoapWriter RetrievePropertiesRequest(VimRef propertyCollector, VimRef view, IReadOnlyList<PropertySpec> specs, int pageSize)
        {
            var w = new SoapWriter("RetrievePropertiesEx", propertyCollector);
            w.Start("specSet");
            foreach (var spec in specs)
            {
                w.Start("propSet").Text("type", spec.Type).Bool("all", false);
                foreach (var path in spec.Paths) w.Text("pathSet", path);
                w.End();
            }
            w.Start("objectSet").Ref("obj", view).Bool("skip", true)
                .Start("selectSet", "TraversalSpec").Text("name", "traverseView").Text("type", "ContainerView").Text("path", "view").Bool("skip", false).End()
                .End();
            w.End();
            w.Start("options").Int("maxObjects", pageSize).End();
            return w;
        }

        /// <summary>Some properties of one object (no traversal); null when the server returns nothing for it.</summary>
        public async Task<ObjectContent?> RetrieveObjectAsync(VimRef obj, IEnumerable<string> paths, CancellationToken cancel)
        {
            using (var w = new SoapWriter("RetrievePropertiesEx", PropertyCollector))
            {
                w.Start("specSet").Start("propSet").Text("type", obj.RefType).Bool("all", false);
                foreach (var path in paths) w.Text("pathSet", path);
                w.End().Start("objectSet").Ref("obj", obj).Bool("skip", false).End().End().Start("options").End();
                var result = await InvokeAsync(w, cancel).ConfigureAwait(false) as VimObject;
                var objects = result?.Objects("objects").FirstOrDefault();
                if (objects == null) return null;
                var content = new ObjectContent(objects.Ref("obj") ?? obj);
                foreach (var prop in objects.Objects("propSet"))
                    content.Properties[prop.Text("name") ?? throw Malformed(w.Method, new InvalidDataException("A 'propSet' element without 'name'."))] = prop["val"];
                foreach (var missing in objects.Objects("missingSet"))
                    content.Missing[missing.Text("path") ?? throw Malformed(w.Method, new InvalidDataException("A 'missingSet' element without 'path'."))] = missing.Object("fault")?["fault"]?.Type ?? "unknown";
                return content;
            }
        }

        /// <summary>Calls a *_Task method and waits for the task it starts; returns the task's result.</summary>
        public async Task<VimValue?> InvokeTaskAsync(SoapWriter request, TimeSpan timeout, CancellationToken cancel)
        {
            var task = await InvokeAsync(request, cancel).ConfigureAwait(false) as VimRef
                ?? throw new VimConnectionException($"{Url} answered {request.Method} without a task reference.");
            return await WaitForTaskAsync(task, request.Method, timeout, cancel).ConfigureAwait(false);
        }

        /// <summary>
        /// Polls a task until it succeeds (its result is returned) or fails (its fault is thrown,
        /// typed like a call's fault), checking quickly at first and then once a second.
        /// Throws TimeoutException when it is still running after <paramref name="timeout"/>.
        /// </summary>
        public async Task<VimValue?> WaitForTaskAsync(VimRef task, string what, TimeSpan timeout, CancellationToken cancel)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(50);
            while (true)
            {
                var info = await RetrieveObjectAsync(task, new[] { "info.state", "info.error", "info.result" }, cancel).ConfigureAwait(false)
                    ?? throw new ManagedObjectNotFoundException($"The task of {what} no longer exists", null);
                switch ((info["info.state"] as VimText)?.Text)
                {
                    case "success":
                        return info["info.result"];
                    case "error":
                        var error = info["info.error"] as VimObject;
                        var fault = error?["fault"];
                        throw VimFaultException.Create(fault?.Type ?? "TaskFailed", error?.Text("localizedMessage") ?? $"{what} failed", fault as VimObject, what);
                }
                if (clock.Elapsed > timeout) throw new TimeoutException($"{what} ({task.Value}) did not finish within {timeout.TotalSeconds:F0} s.");
                await Task.Delay(delay, cancel).ConfigureAwait(false);
                if (delay < TimeSpan.FromSeconds(1)) delay = TimeSpan.FromTicks(delay.Ticks * 2);
            }
        }

        public async Task<VimRef> CreateContainerViewAsync(VimRef container, IEnumerable<string> types, bool recursive, CancellationToken cancel)
        {
            using (var w = new SoapWriter("CreateContainerView", ViewManager))
            {
                w.Ref("container", container);
                foreach (var t in types) w.Text("type", t);
                w.Bool("recursive", recursive);
                return await InvokeAsync(w, cancel).ConfigureAwait(false) as VimRef
                    ?? throw new VimConnectionException($"{Url} answered CreateContainerView without a view reference: not a vim25 answer.");
            }
        }

        public async Task DestroyViewAsync(VimRef view, CancellationToken cancel)
        {
            using (var w = new SoapWriter("DestroyView", view))
                await InvokeAsync(w, cancel).ConfigureAwait(false);
        }

        private async Task<T> SendAsync<T>(byte[] body, string method, Func<Stream, T> read, CancellationToken cancel)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                var message = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml") { CharSet = "utf-8" };
                message.Headers.TryAddWithoutValidation("SOAPAction", "urn:vim25/" + RequestVersion);
                Interlocked.Increment(ref _requestCount);
                RequestObserver?.Invoke(method, body);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    throw new VimConnectionException($"{Url} did not answer {method} within {_options.RequestTimeout.TotalSeconds:F0} s.");
                }
                catch (HttpRequestException ex)
                {
                    throw ConnectionError(method, ex);
                }
                using (response)
                {
                    var status = (int)response.StatusCode;
                    if (status >= 300 && status < 400)
                        throw new VimConnectionException($"{Url} answered {method} with a redirect (HTTP {status}) to {response.Headers.Location?.ToString() ?? "(no location)"}; redirects are not followed, since they would carry the request (a password, on Login) elsewhere. Connect to that URL yourself if you trust it.");
                    var type = response.Content.Headers.ContentType?.MediaType ?? "";
                    // SOAP faults come with HTTP 500 and an XML body; anything else that is not XML is an HTTP-level refusal.
                    if (!type.Contains("xml"))
                        throw new VimConnectionException($"{Url} answered {method} with HTTP {(int)response.StatusCode} {response.ReasonPhrase} ({(type.Length == 0 ? "no content type" : type)}); is this the vSphere SDK URL?");
                    var length = response.Content.Headers.ContentLength;
                    if (length > _options.MaxResponseBytes)
                        throw new VimConnectionException($"{Url} announced an answer to {method} of {length / 1048576} MB, more than the {_options.MaxResponseBytes / 1048576} MB read at most.");
                    try
                    {
                        // The time limit covers the body too: a body that trickles, or never comes, is cut off like a silent server.
                        using (var stream = new LimitedReadStream(await response.Content.ReadAsStreamAsync().ConfigureAwait(false), _options.MaxResponseBytes))
                        using (timeout.Token.Register(() => stream.Dispose()))
                            return read(stream);
                    }
                    catch (Exception ex) when (ex is IOException || ex is HttpRequestException || ex is ObjectDisposedException || ex is OperationCanceledException)
                    {
                        cancel.ThrowIfCancellationRequested();
                        if (timeout.IsCancellationRequested)
                            throw new VimConnectionException($"{Url} did not finish answering {method} within {_options.RequestTimeout.TotalSeconds:F0} s.", ex);
                        if (Innermost(ex) is LimitExceededException limit)
                            throw new VimConnectionException($"{Url} sent an answer to {method} larger than {limit.Limit / 1048576} MB (after decompression); stopped reading.", ex);
                        if (Innermost(ex) is InvalidDataException bad) throw Malformed(method, bad);
                        throw new VimConnectionException($"The connection to {Url} broke while reading the answer to {method}: {Innermost(ex).Message}", ex);
                    }
                    catch (Exception ex) when (IsMalformed(ex))
                    {
                        throw Malformed(method, ex);
                    }
                }
            }
        }

        private Exception ConnectionError(string method, HttpRequestException ex)
        {
            var inner = Innermost(ex);
            if (inner is System.Security.Authentication.AuthenticationException || ex.ToString().Contains("certificate"))
            {
                return new VimConnectionException(
                    $"The certificate of {Url.Host} is not trusted" + (_seenThumbprint != null ? $" (SHA-1 thumbprint {_seenThumbprint})" : "") +
                    ". Install its CA certificate, or pass -CertificateThumbprint with the thumbprint you have verified, or -SkipCertificateCheck for a lab.", ex);
            }
            return new VimConnectionException($"Cannot reach {Url} ({method}): {inner.Message}", ex);
        }

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        private bool ValidateCertificate(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            _seenThumbprint = certificate == null ? null : Hex(certificate.GetCertHash());
            if (errors == SslPolicyErrors.None || _options.SkipCertificateCheck) return true;
            var thumbprint = _options.CertificateThumbprint;
            if (certificate == null || thumbprint == null || string.IsNullOrWhiteSpace(thumbprint)) return false;
            var wanted = Normalize(thumbprint);
            using (var sha256 = SHA256.Create())
            {
                return wanted == Normalize(Hex(certificate.GetCertHash())) || wanted == Normalize(Hex(sha256.ComputeHash(certificate.RawData)));
            }
        }

        private static string Hex(byte[] bytes) => string.Join(":", bytes.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

        private static string Normalize(string thumbprint) => new string(thumbprint.Where(Uri.IsHexDigit).Select(char.ToUpperInvariant).ToArray());

        public void Dispose() => _http.Dispose();
    }

    /// <summary>The properties to read of one managed object type.</summary>
    public sealed class PropertySpec
    {
        public PropertySpec(string type, params string[] paths)
        {
            Type = type;
            Paths = paths;
        }

        public string Type { get; }
        public IReadOnlyList<string> Paths { get; }
    }
}
