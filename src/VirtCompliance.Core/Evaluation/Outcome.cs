namespace VirtCompliance
{
    /// <summary>What one evaluated (object, control) came to. Every summary, report and gate counts these the same way.</summary>
    public enum Outcome
    {
        /// <summary>The reported value meets the expectation.</summary>
        Pass,
        /// <summary>The reported value does not meet it.</summary>
        Fail,
        /// <summary>Nothing could be judged: the data was not reported, the host was not connected, no peers or no majority. The reason says which. Not a pass.</summary>
        NotEvaluated,
        /// <summary>It failed, and a waiver in force accepts the risk (the result names the waiver, its justification and expiry). Passes a gate; counted on its own.</summary>
        Waived,
    }
}
