#!/usr/bin/env python3
"""Sets host settings that only esxcli reports, through esxcli over vim25 (as Get-EsxCli -V2 does).

Usage: make_host_esxcli_drift.py [--mode drift|harden] URL USER HOST... (password on stdin).

drift (the default) sets failing values, a different set on each given host (the fourth host gets
the first set again, and so on):
- 1st: weak SSH ciphers, SSH TCP forwarding allowed;
- 2nd: shell access for dcui, log filtering on, TLS profile COMPATIBLE;
- 3rd: key persistence on, configuration encryption mode NONE without required secure boot,
  entropySources 1, syslog directory /tmp (a ramdisk), the SNMP agent on.
harden sets every value the hardening guides want, on every given host.
Prints each change, one a line: HOST KEY VALUE.
"""
import argparse
import sys

from pyVim.connect import Disconnect
from pyVmomi import vim

import esxcli
from vsphere import connect

HARDENED_SSH = {
    "ciphers": "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
    "gatewayports": "no",
    "hostbasedauthentication": "no",
    "clientalivecountmax": "3",
    "clientaliveinterval": "200",
    "banner": "/etc/issue",
    "ignorerhosts": "yes",
    "allowstreamlocalforwarding": "no",
    "allowtcpforwarding": "no",
    "permittunnel": "no",
    "permituserenvironment": "no",
}

# Each change: (printed key, printed value, command, arguments).
DRIFT = [
    [
        ("ssh.ciphers", "aes128-cbc,3des-cbc", "system.ssh.server.config.set", {"keyword": "ciphers", "value": "aes128-cbc,3des-cbc"}),
        ("ssh.allowtcpforwarding", "yes", "system.ssh.server.config.set", {"keyword": "allowtcpforwarding", "value": "yes"}),
    ],
    [
        ("account.dcui.shellaccess", "true", "system.account.set", {"id": "dcui", "shellaccess": True}),
        ("syslog.logfilter", "true", "system.syslog.config.logfilter.set", {"logfilteringenabled": True}),
        ("tls.profile", "COMPATIBLE", "system.tls.server.set", {"profile": "COMPATIBLE"}),
    ],
    [
        ("keypersistence", "true", "system.security.keypersistence.enable", {}),
        ("encryption.mode", "NONE", "system.settings.encryption.set", {"mode": "NONE"}),
        ("encryption.requiresecureboot", "false", "system.settings.encryption.set", {"requiresecureboot": False}),
        ("kernel.entropySources", "1", "system.settings.kernel.set", {"setting": "entropySources", "value": "1"}),
        ("syslog.logdir", "/tmp", "system.syslog.config.set", {"logdir": "/tmp"}),
        ("snmp.enable", "true", "system.snmp.set", {"enable": True}),
    ],
]

HARDEN = [(f"ssh.{k}", v, "system.ssh.server.config.set", {"keyword": k, "value": v}) for k, v in HARDENED_SSH.items()] + [
    ("fips140.ssh", "true", "system.security.fips140.ssh.set", {"enable": True}),
    ("kernel.disableHwrng", "FALSE", "system.settings.kernel.set", {"setting": "disableHwrng", "value": "FALSE"}),
    ("kernel.entropySources", "0", "system.settings.kernel.set", {"setting": "entropySources", "value": "0"}),
    ("encryption.mode", "TPM", "system.settings.encryption.set", {"mode": "TPM"}),
    ("encryption.requiresecureboot", "true", "system.settings.encryption.set", {"requiresecureboot": True}),
    ("encryption.requireexecinstalledonly", "true", "system.settings.encryption.set",
     {"requireexecinstalledonly": True}),
    ("keypersistence", "false", "system.security.keypersistence.disable", {}),
    ("tls.profile", "NIST_2024", "system.tls.server.set", {"profile": "NIST_2024"}),
    ("syslog.logdir", "/scratch/log", "system.syslog.config.set", {"logdir": "/scratch/log"}),
    ("syslog.logfilter", "false", "system.syslog.config.logfilter.set", {"logfilteringenabled": False}),
    ("account.dcui.shellaccess", "false", "system.account.set", {"id": "dcui", "shellaccess": False}),
    ("snmp.enable", "false", "system.snmp.set", {"enable": False}),
]


def main():
    parser = argparse.ArgumentParser(description="Sets esxcli-only host settings to failing (drift) or hardened values.")
    parser.add_argument("--mode", choices=["drift", "harden"], default="drift")
    parser.add_argument("url")
    parser.add_argument("user")
    parser.add_argument("hosts", nargs="+", metavar="HOST")
    a = parser.parse_args()
    si = connect(a.url, a.user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        by_name = {h.name: h for h in view.view}
        view.Destroy()
        missing = [n for n in a.hosts if n not in by_name]
        if missing:
            sys.exit(f"no such host: {', '.join(missing)}")
        for i, name in enumerate(a.hosts):
            for key, shown, command, args in (HARDEN if a.mode == "harden" else DRIFT[i % len(DRIFT)]):
                esxcli.run(si, by_name[name], command, **args)
                print(f"{name} {key} {shown}")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
