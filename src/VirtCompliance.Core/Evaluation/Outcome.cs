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
    }
}
