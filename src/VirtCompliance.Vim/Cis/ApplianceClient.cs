using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VirtCompliance.Model;

namespace VirtCompliance.Vim.Cis
{
    /// <summary>
    /// The vCenter appliance settings vCenter controls read, through the CIS REST API
    /// (/rest/appliance/...): SSH access, time synchronisation and NTP servers, syslog forwarding
    /// and the local accounts' password policy. A setting the server does not answer (an older
    /// appliance, no privilege) is left unset, so its control is not evaluated.
    /// </summary>
    public sealed class ApplianceClient
    {
        private readonly CisSession _cis;

        public ApplianceClient(VimClient vim) { _cis = new CisSession(vim); }

        /// <summary>The appliance's settings; null when the server has no CIS REST API.</summary>
        public async Task<ApplianceSettings?> ReadAsync(CancellationToken cancel)
        {
            if (!await _cis.LoginAsync(cancel).ConfigureAwait(false)) return null;
            try
            {
                var ssh = await Read("appliance/access/ssh", cancel).ConfigureAwait(false);
                var timesync = await Read("appliance/timesync", cancel).ConfigureAwait(false);
                var ntp = await Read("appliance/ntp", cancel).ConfigureAwait(false);
                var forwarding = await Read("appliance/logging/forwarding", cancel).ConfigureAwait(false);
                var policy = await Read("appliance/local-accounts/global-policy", cancel).ConfigureAwait(false);
                try
                {
                    return new ApplianceSettings
                    {
                        SshEnabled = ssh?.Type == JTokenType.Boolean ? (bool)ssh : (bool?)null,
                        TimeSync = timesync?.Type == JTokenType.String ? (string?)timesync : null,
                        NtpServers = ntp is JArray servers ? servers.Select(s => (string?)s ?? "").ToArray() : null,
                        LogForwarding = forwarding is JArray list
                            ? list.Children<JObject>().Select(f => $"{(string?)f["hostname"]}:{(long?)f["port"]}/{(string?)f["protocol"]}").ToArray() : null,
                        PasswordMaxDays = policy is JObject p && p["max_days"]?.Type == JTokenType.Integer ? (long)p["max_days"]! : (long?)null,
                    };
                }
                catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is FormatException || ex is OverflowException)
                {
                    throw new VimConnectionException($"{_cis.Base}appliance answered with JSON that is not the appliance API's: {ex.Message}", ex);
                }
            }
            finally
            {
                await _cis.LogoutAsync().ConfigureAwait(false);
            }
        }

        // A setting the server refuses or does not know (HTTP 403, 404) is not reported; anything else is an error.
        private Task<JToken?> Read(string path, CancellationToken cancel) => _cis.GetIfAllowedAsync(path, cancel);
    }
}
