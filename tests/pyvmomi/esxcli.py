"""A small esxcli client over vim25, as PowerCLI's Get-EsxCli -V2 reaches a host through vCenter.

pyVmomi 6.7.1 has no types for the two internal methods involved, so this module posts them itself
over a pyVmomi session (the stub's URL, session cookie and TLS context) with the standard library:

1. HostSystem.RetrieveManagedMethodExecuter -> the host's ReflectManagedMethodExecuter;
2. ReflectManagedMethodExecuter.ExecuteSoap(moid "ha-cli-handler-<namespace>", version
   "urn:vim25/5.0", method "vim.EsxCLI.<namespace>.<verb>", arguments {name, <name>value</name>}).

Usage:
    rows = run(si, host, "system.ssh.server.config.list", keyword="ciphers")
    # [{"Key": "ciphers", "Value": "..."}]; a get command gives one row; a set command gives True
host is a vim.HostSystem or its managed object id. An esxcli-level error (the result's fault) raises
EsxcliError; a SOAP fault of the call itself raises SoapFault. Every document is parsed with expat
with DTDs and entity declarations refused.
"""
import http.client
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import xml.parsers.expat
from xml.sax.saxutils import escape

VIM = "urn:vim25"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ESXCLI_VERSION = "urn:vim25/5.0"


class EsxcliError(Exception):
    """The command failed on the host: the result carried a fault instead of a response."""

    def __init__(self, message, detail):
        super().__init__(message)
        self.message, self.detail = message, detail


class SoapFault(Exception):
    """The vim25 call itself failed (unknown object, bad version, not logged in)."""

    def __init__(self, message, fault_type):
        super().__init__(f"{fault_type}: {message}" if fault_type else message)
        self.message, self.fault_type = message, fault_type


def parse(data):
    """Parses an XML document into an ElementTree element, refusing DTDs, entity declarations and
    external entities (undefined entity references are errors to expat anyway)."""
    def refuse(*_):
        raise ValueError("DTDs and entities are not accepted")

    builder = ET.TreeBuilder()
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse

    def name(n):
        return "{" + n if "}" in n else n

    parser.StartElementHandler = lambda tag, attrs: builder.start(name(tag), {name(k): v for k, v in attrs.items()})
    parser.EndElementHandler = lambda tag: builder.end(name(tag))
    parser.CharacterDataHandler = builder.data
    parser.Parse(data, True)
    return builder.close()


def _stub(si):
    stub = si._stub
    return getattr(stub, "soapStub", stub)  # a SessionOrientedStub wraps the SOAP stub


def _post(si, body):
    """Posts one SOAP request over the session of si and returns the Body's first child element."""
    stub = _stub(si)
    scheme = "http" if stub.scheme is http.client.HTTPConnection else "https"
    envelope = (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAPENV}">'
                f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>")
    request = urllib.request.Request(f"{scheme}://{stub.host}{stub.path}", data=envelope.encode(), method="POST", headers={
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": stub.versionId or '"urn:vim25"',
        "Cookie": stub.cookie,
    })
    try:
        with urllib.request.urlopen(request, context=stub.schemeArgs.get("context")) as response:
            answer = response.read()
    except urllib.error.HTTPError as e:  # a SOAP fault comes with HTTP 500
        answer = e.read()
        if e.code != 500 or not answer:
            raise
    content = parse(answer).find(f"{{{SOAPENV}}}Body")[0]
    if content.tag == f"{{{SOAPENV}}}Fault":
        detail = content.find("detail")
        fault_type = ""
        if detail is not None and len(detail):
            fault_type = detail[0].get(f"{{{XSI}}}type") or detail[0].tag.split("}")[-1]
        raise SoapFault(content.findtext("faultstring") or "", fault_type)
    return content


def _moid(host):
    return host if isinstance(host, str) else host._moId


_executers = {}


def executer(si, host):
    """The managed object id of the host's ReflectManagedMethodExecuter (cached per session)."""
    key = (id(_stub(si)), _moid(host))
    if key not in _executers:
        res = _post(si, f'<RetrieveManagedMethodExecuter xmlns="{VIM}"><_this type="HostSystem">{escape(_moid(host))}</_this>'
                        "</RetrieveManagedMethodExecuter>")
        returnval = res.find(f"{{{VIM}}}returnval")
        if returnval is None or returnval.get("type") != "ReflectManagedMethodExecuter":
            raise SoapFault("RetrieveManagedMethodExecuter returned no executer", "")
        _executers[key] = returnval.text
    return _executers[key]


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def rows_of(document):
    """The rows of an esxcli response document: a list of {field: text} for a data object (one row)
    or an ArrayOfDataObject (a row per DataObject); a bool or a string for a scalar."""
    obj = parse(document.encode())
    kind = obj.get(f"{{{XSI}}}type", "")
    if kind == "xsd:boolean":
        return (obj.text or "").strip() == "true"
    if kind.startswith("xsd:"):
        return obj.text or ""
    if kind == "ArrayOfDataObject":
        return [{f.tag: f.text or "" for f in row} for row in obj.findall("DataObject")]
    return [{f.tag: f.text or "" for f in obj}]


def run(si, host, command, **args):
    """Runs an esxcli command ("system.account.list") on host with the given arguments (booleans as
    true/false) and returns its rows, or True for a set command."""
    namespace = command.rsplit(".", 1)[0]
    arguments = "".join(
        f"<argument><name>{escape(name)}</name><val>{escape(f'<{name}>{escape(_value(v))}</{name}>')}</val></argument>"
        for name, v in args.items())
    res = _post(si, f'<ExecuteSoap xmlns="{VIM}"><_this type="ReflectManagedMethodExecuter">{escape(executer(si, host))}</_this>'
                    f"<moid>ha-cli-handler-{namespace.replace('.', '-')}</moid><version>{ESXCLI_VERSION}</version>"
                    f"<method>vim.EsxCLI.{escape(command)}</method>{arguments}</ExecuteSoap>")
    returnval = res.find(f"{{{VIM}}}returnval")
    fault = returnval.find(f"{{{VIM}}}fault") if returnval is not None else None
    if fault is not None:
        raise EsxcliError(fault.findtext(f"{{{VIM}}}faultMsg") or "", fault.findtext(f"{{{VIM}}}faultDetail") or "")
    response = returnval.findtext(f"{{{VIM}}}response") if returnval is not None else None
    if response is None:
        raise EsxcliError(f"{command}: no response", "")
    return rows_of(response)
