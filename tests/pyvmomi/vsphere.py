"""What every script here shares: logging in to a vSphere endpoint given as a URL, with the password read from stdin."""
import ssl
import sys
from urllib.parse import urlparse

from pyVim.connect import SmartConnect


def connect(url, user, keep_password=False):
    """Logs in with the password from the first line of stdin (never a command-line argument).

    The simulator's certificate is self-signed; the tests pin it themselves, so this test-only
    client does not check it.
    """
    password = sys.stdin.readline().rstrip("\n")
    u = urlparse(url)
    context = ssl._create_unverified_context() if u.scheme == "https" else None
    si = SmartConnect(host=u.hostname, port=u.port, user=user, pwd=password, protocol=u.scheme, sslContext=context)
    # A script that also logs in to the CIS REST API needs the password once more; it is never printed.
    return (si, password) if keep_password else si
