using System;
using System.Collections.Generic;

namespace VirtCompliance.Vim.Soap
{
    /// <summary>A SOAP fault from the server: the vim25 fault type, its message, and its detail fields.</summary>
    public class VimFaultException : Exception
    {
        public VimFaultException(string faultType, string? message, VimObject? detail = null)
            : base(string.IsNullOrEmpty(message) ? faultType : $"{message} ({faultType})")
        {
            FaultType = faultType;
            Detail = detail;
        }

        /// <summary>"InvalidLogin", "ManagedObjectNotFound", ... (the xsi:type of the fault detail).</summary>
        public string FaultType { get; }
        public VimObject? Detail { get; }

        /// <summary>The typed exception for a fault type the client handles specially, else a plain one.</summary>
        public static VimFaultException Create(string? faultType, string? message, VimObject? detail, string method)
        {
            switch (faultType)
            {
                case "InvalidLogin": return new InvalidLoginException(message, detail);
                case "NotAuthenticated": return new NotAuthenticatedException(message, detail);
                case "ManagedObjectNotFound": return new ManagedObjectNotFoundException(message, detail);
                case "ConcurrentAccess": return new ConcurrentAccessException(message, detail);
                case "MethodNotFound": return new MethodNotFoundException(message, detail, method);
                default: return new VimFaultException(faultType ?? "SoapFault", message, detail);
            }
        }
    }

    /// <summary>The user name or password was refused.</summary>
    public sealed class InvalidLoginException : VimFaultException
    {
        public InvalidLoginException(string? message, VimObject? detail) : base("InvalidLogin", message, detail) { }
    }

    /// <summary>The session is not (or no longer) logged in.</summary>
    public sealed class NotAuthenticatedException : VimFaultException
    {
        public NotAuthenticatedException(string? message, VimObject? detail) : base("NotAuthenticated", message, detail) { }
    }

    /// <summary>An object the request named no longer exists (deleted, or never was).</summary>
    public sealed class ManagedObjectNotFoundException : VimFaultException
    {
        public ManagedObjectNotFoundException(string? message, VimObject? detail) : base("ManagedObjectNotFound", message, detail)
        {
            Object = detail?.Ref("obj");
        }

        public VimRef? Object { get; }

        public override string Message => Object == null ? base.Message : $"{base.Message}: {Object.RefType} '{Object.Value}'";
    }

    /// <summary>Someone else changed the object since it was read (a stale configVersion).</summary>
    public sealed class ConcurrentAccessException : VimFaultException
    {
        public ConcurrentAccessException(string? message, VimObject? detail) : base("ConcurrentAccess", message, detail) { }
    }

    /// <summary>The server does not implement the method.</summary>
    public sealed class MethodNotFoundException : VimFaultException
    {
        public MethodNotFoundException(string? message, VimObject? detail, string method)
            : base("MethodNotFound", $"the server does not implement {detail?.Text("method") ?? method}" + (string.IsNullOrEmpty(message) ? "" : $" ({message})"), detail)
        {
            Method = detail?.Text("method") ?? method;
        }

        public string Method { get; }
    }
}
