using System;

namespace VirtCompliance.Common
{
    /// <summary>A control id, rule id or other name given without wildcards that matches nothing: an error, never "no findings".</summary>
    public sealed class UnknownIdException : ArgumentException
    {
        public UnknownIdException(string kind, string id, string message) : base(message)
        {
            Kind = kind;
            Id = id;
        }

        /// <summary>"control", "rule".</summary>
        public string Kind { get; }
        public string Id { get; }
    }
}
