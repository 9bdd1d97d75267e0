using System;
using System.Collections.Generic;
using VirtCompliance.Common;

namespace VirtCompliance.Waivers
{
    /// <summary>The kinds of result a waiver can be limited to (its scope).</summary>
    public enum WaiverScope
    {
        Host,
        Network,
        Vm,
        VCenter,
        Separation,
    }

    /// <summary>
    /// One accepted risk: the failing results it covers (controls or separation rules, of the objects
    /// named), why, who owns and approved it, and until when. Read from a waiver file by <see cref="WaiverReader"/>.
    /// </summary>
    public sealed record Waiver
    {
        public string Id { get; init; } = "";
        /// <summary>Control ids or separation rule ids, with * and ? wildcards.</summary>
        public IReadOnlyList<string> Controls { get => _controls; init => _controls = TextList.Of(value); }
        private readonly IReadOnlyList<string> _controls = TextList<string>.Empty;
        /// <summary>Object names or ids (wildcards); empty: any object (then clusters or tags narrow it).</summary>
        public IReadOnlyList<string> Objects { get => _objects; init => _objects = TextList.Of(value); }
        private readonly IReadOnlyList<string> _objects = TextList<string>.Empty;
        /// <summary>Cluster names or ids (wildcards); empty: any cluster.</summary>
        public IReadOnlyList<string> Clusters { get => _clusters; init => _clusters = TextList.Of(value); }
        private readonly IReadOnlyList<string> _clusters = TextList<string>.Empty;
        /// <summary>VM tags as Category/Name or Name (wildcards); empty: any.</summary>
        public IReadOnlyList<string> Tags { get => _tags; init => _tags = TextList.Of(value); }
        private readonly IReadOnlyList<string> _tags = TextList<string>.Empty;
        /// <summary>The kinds of result covered; empty: all.</summary>
        public IReadOnlyList<WaiverScope> Scope { get => _scope; init => _scope = TextList.Of(value); }
        private readonly IReadOnlyList<WaiverScope> _scope = TextList<WaiverScope>.Empty;
        public string Justification { get; init; } = "";
        public string Owner { get; init; } = "";
        public string Approver { get; init; } = "";
        public string? Ticket { get; init; }
        public DateTime Created { get; init; }
        /// <summary>The last day the waiver applies (a date; it has expired from the next day on).</summary>
        public DateTime Expires { get; init; }
        public string? CompensatingControl { get; init; }
        /// <summary>Where it is written: file and line, for messages.</summary>
        public string File { get; init; } = "";
        public int Line { get; init; }

        /// <summary>Expired on <paramref name="asOf"/>: its last day is before that date.</summary>
        public bool IsExpiredOn(DateTimeOffset asOf) => Expires.Date < asOf.UtcDateTime.Date;

        /// <summary>Whole days from <paramref name="asOf"/> to the expiry (0 on its last day, negative once expired).</summary>
        public int DaysLeft(DateTimeOffset asOf) => (int)(Expires.Date - asOf.UtcDateTime.Date).TotalDays;
    }

    /// <summary>A waiver file as read: its waivers in file order, and the SHA-256 of its bytes (evidence names it).</summary>
    public sealed record WaiverFile
    {
        public string Path { get; init; } = "";
        public string? Name { get; init; }
        public string Sha256 { get; init; } = "";
        public IReadOnlyList<Waiver> Waivers { get; init; } = Array.Empty<Waiver>();
        /// <summary>The file's bytes, as read: the evidence bundle keeps exactly these.</summary>
        public byte[] Content { get; init; } = Array.Empty<byte>();
    }

    /// <summary>What a waiver says about one result it covers: carried by the result (Waived, or Fail when it has expired).</summary>
    public sealed record WaiverRef
    {
        public string Id { get; init; } = "";
        public string Justification { get; init; } = "";
        public string Owner { get; init; } = "";
        public string Approver { get; init; } = "";
        public string? Ticket { get; init; }
        public DateTime Expires { get; init; }
        public string? CompensatingControl { get; init; }
        /// <summary>The waiver had expired on the assessment date: it no longer applies, and the result stays Fail.</summary>
        public bool Expired { get; init; }

        /// <summary>"W-1 until 2025-12-31: reason" or "W-3 expired on 2025-05-15": for messages and reports.</summary>
        public string Text => Expired ? $"waiver {Id} expired on {Expires:yyyy-MM-dd}" : $"waived by {Id} until {Expires:yyyy-MM-dd}: {Justification}";

        internal static WaiverRef Of(Waiver w, bool expired) => new WaiverRef
        {
            Id = w.Id, Justification = w.Justification, Owner = w.Owner, Approver = w.Approver, Ticket = w.Ticket,
            Expires = w.Expires, CompensatingControl = w.CompensatingControl, Expired = expired,
        };
    }

    /// <summary>A waiver's state on the assessment date.</summary>
    public enum WaiverState
    {
        /// <summary>Applies, and does not expire within the warning period.</summary>
        Active,
        /// <summary>Applies, and expires within the warning period (30 days unless told otherwise).</summary>
        ExpiringSoon,
        /// <summary>Its last day has passed: results it would cover fail.</summary>
        Expired,
        /// <summary>Applies, but matched no failing result of this inventory: it may be stale.</summary>
        Unused,
    }

    /// <summary>Get-ComplianceWaiver: one waiver, its state on the assessment date and, given an inventory, what it covers there.</summary>
    public sealed record WaiverStatus
    {
        public string Id { get; init; } = "";
        public WaiverState State { get; init; }
        public DateTime Expires { get; init; }
        /// <summary>Days from the assessment date to the expiry (negative once expired).</summary>
        public int DaysLeft { get; init; }
        /// <summary>How many failing results of the inventory it matched (null when no inventory was given).</summary>
        public int? Matched { get; init; }
        /// <summary>What it covers in the inventory, one "control on object" per result (empty when none or no inventory).</summary>
        public IReadOnlyList<string> Covers { get => _covers; init => _covers = TextList.Of(value); }
        private readonly IReadOnlyList<string> _covers = TextList<string>.Empty;
        /// <summary>The date the state was judged on.</summary>
        public DateTimeOffset AsOf { get; init; }
        /// <summary>The waiver as written: controls, objects, justification, owner, approver, ticket, dates, file and line.</summary>
        public Waiver Waiver { get; init; } = new Waiver();
        /// <summary>The waiver's owner, as a column of its own (the table shows it; Where-Object Owner filters on it). Not written to JSON: the waiver holds it.</summary>
        public string Owner => Waiver.Owner;
        /// <summary>The control and rule ids the waiver covers. Not written to JSON: the waiver holds them.</summary>
        public IReadOnlyList<string> Controls => Waiver.Controls;
    }
}
