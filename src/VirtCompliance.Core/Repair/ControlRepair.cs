using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Common;

namespace VirtCompliance.Repair
{
    /// <summary>Where one repair got to.</summary>
    public enum RepairStatus
    {
        /// <summary>What would change (-WhatIf, or declined at the prompt): nothing was written.</summary>
        Planned,
        /// <summary>Written, and the fresh read after it did not say (yet) whether it holds.</summary>
        Changed,
        /// <summary>Written, and read back from the server: the control now passes.</summary>
        Verified,
        /// <summary>The write failed, or the value read back still fails: the message says which.</summary>
        Failed,
        /// <summary>Not written: refused (not safe to automate, needs -Force or networks), changed by someone else since it was read, or nothing to do.</summary>
        Skipped,
    }

    /// <summary>One object and control: what a repair changes, from what to what, and where it got to.</summary>
    public sealed record ControlRepair
    {
        /// <summary>Host (the kind of object repaired).</summary>
        public string ObjectKind { get; init; } = "Host";
        public string? Object { get; init; }
        public string ObjectId { get; init; } = "";
        public string ControlId { get; init; } = "";
        public string Baseline { get; init; } = "";
        /// <summary>The value found before the change, as the drift result shows it.</summary>
        public string Before { get; init; } = "";
        /// <summary>The value set (Planned, Changed) or read back afterwards (Verified, Failed).</summary>
        public string After { get; init; } = "";
        /// <summary>What the repair does: "set advanced option Security.AccountUnlockTime to 900", "stop service TSM-SSH and set its policy off".</summary>
        public string Action { get; init; } = "";
        public RepairStatus Status { get; init; }
        public string? Message { get; init; }
        /// <summary>How to put the value back (the backup file's entry); null when it cannot be put back automatically.</summary>
        public RepairStep? Undo { get; init; }
    }

    /// <summary>
    /// One change to one object, as the writers apply it and a backup file keeps it: the kind of change,
    /// its target (option key, service key, ESXCLI command and arguments), the value to set and the
    /// value's wire type where one matters.
    /// </summary>
    public sealed record RepairStep
    {
        /// <summary>The fix action (setOption, setService, setFirewallDefault, setLockdown, esxcli).</summary>
        public string Action { get; init; } = "";
        public string ObjectId { get; init; } = "";
        public string? Object { get; init; }
        public string ControlId { get; init; } = "";
        /// <summary>setOption: the option key; setService: the service key; esxcli: the command.</summary>
        public string Target { get; init; } = "";
        /// <summary>The value to set: an option's value, "running, policy on"/"stopped, policy off", a lockdown mode, true/false.</summary>
        public string Value { get; init; } = "";
        /// <summary>esxcli: the arguments, the value already in place.</summary>
        public IReadOnlyDictionary<string, string>? Arguments { get => _arguments; init => _arguments = TextList.OfNullable(value); }
        private readonly IReadOnlyDictionary<string, string>? _arguments;
    }

    /// <summary>Turns a control's expectation and fix into the value to set, or says why it cannot be set.</summary>
    public static class RepairValues
    {
        /// <summary>The value that meets the expectation: the fix's own value, else the expectation's one value, a range's upper bound, a list's first value.</summary>
        public static string? ValueFor(EffectiveControl control)
        {
            var fix = control.Definition.Fix;
            if (fix?.Value is JToken v) return Text(v);
            var e = control.Expectation;
            if (e == null) return null;
            switch (e.Operator)
            {
                case ControlOperator.Equals:
                case ControlOperator.GreaterOrEqual:
                case ControlOperator.LessOrEqual:
                    return e.Expected.Scalar;
                // The least disruptive value of "at most N and not 0": N.
                case ControlOperator.Between: return e.Expected.List?.Count == 2 ? e.Expected.List[1] : null;
                case ControlOperator.In: return e.Expected.List?.FirstOrDefault();
                default: return null;
            }
        }

        /// <summary>A JSON value as the text an option or command takes (true/false in lower case).</summary>
        public static string Text(JToken v) => v.Type switch
        {
            JTokenType.Boolean => (bool)v ? "true" : "false",
            JTokenType.Integer => ((long)v).ToString(CultureInfo.InvariantCulture),
            JTokenType.Float => ((decimal)v).ToString(CultureInfo.InvariantCulture),
            JTokenType.Null => "",
            _ => v.ToString(),
        };
    }
}
