using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace VirtCompliance.Controls
{
    /// <summary>
    /// An operator with its expected value, checked once for shape (a range has two numbers, a
    /// pattern compiles) and then applied to many values.
    /// </summary>
    public sealed class Expectation
    {
        private readonly Func<FactValue, bool> _test;

        private Expectation(ControlOperator op, FactValue expected, Func<FactValue, bool> test, string text)
        {
            Operator = op;
            Expected = expected;
            _test = test;
            Text = text;
        }

        public ControlOperator Operator { get; }
        public FactValue Expected { get; }
        /// <summary>The expectation as a person reads it: "= false", "one of: lockdownNormal, lockdownStrict".</summary>
        public string Text { get; }

        /// <summary>An exact-value expectation, as peer mode derives from a cluster's majority.</summary>
        public static Expectation EqualTo(FactValue value) =>
            new Expectation(ControlOperator.Equals, value, v => v.Equals(value), value.ToString());

        /// <summary>Builds the expectation, or throws <see cref="ArgumentException"/> saying what is wrong with it.</summary>
        public static Expectation Create(ControlOperator op, FactValue expected)
        {
            switch (op)
            {
                case ControlOperator.Equals:
                    RequireScalarOrList(op, expected);
                    return new Expectation(op, expected, v => SameValue(v, expected), "= " + expected);
                case ControlOperator.NotEquals:
                    RequireScalarOrList(op, expected);
                    return new Expectation(op, expected, v => !SameValue(v, expected), "not " + expected);
                case ControlOperator.In:
                case ControlOperator.NotIn:
                    if (expected.List == null) throw new ArgumentException($"operator {op} needs a list of values.");
                    var set = new HashSet<string?>(expected.List, StringComparer.OrdinalIgnoreCase);
                    return op == ControlOperator.In
                        ? new Expectation(op, expected, v => v.Scalar != null && set.Contains(v.Scalar), "one of: " + string.Join(", ", expected.List))
                        : new Expectation(op, expected, v => v.Scalar == null || !set.Contains(v.Scalar), "none of: " + string.Join(", ", expected.List));
                case ControlOperator.Between:
                    if (expected.List == null || expected.List.Count != 2 || !(Number(expected.List[0]) is decimal min) || !(Number(expected.List[1]) is decimal max) || min > max)
                        throw new ArgumentException("operator between needs [min, max], two numbers with min <= max.");
                    return new Expectation(op, expected, v => Number(v.Scalar) is decimal d && d >= min && d <= max,
                        $"between {expected.List[0]} and {expected.List[1]}");
                case ControlOperator.LessOrEqual:
                case ControlOperator.GreaterOrEqual:
                    if (!(Number(expected.Scalar) is decimal bound))
                        throw new ArgumentException($"operator {op} needs a number.");
                    return op == ControlOperator.LessOrEqual
                        ? new Expectation(op, expected, v => Number(v.Scalar) is decimal d && d <= bound, "<= " + expected.Scalar)
                        : new Expectation(op, expected, v => Number(v.Scalar) is decimal d && d >= bound, ">= " + expected.Scalar);
                case ControlOperator.Matches:
                case ControlOperator.NotMatches:
                    if (expected.Scalar == null) throw new ArgumentException($"operator {op} needs a regular expression.");
                    Regex regex;
                    try { regex = new Regex(expected.Scalar, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                    catch (ArgumentException ex) { throw new ArgumentException($"'{expected.Scalar}' is not a valid regular expression: {ex.Message}"); }
                    return op == ControlOperator.Matches
                        ? new Expectation(op, expected, v => v.Scalar != null && regex.IsMatch(v.Scalar), "matches " + expected.Scalar)
                        : new Expectation(op, expected, v => v.Scalar == null || !regex.IsMatch(v.Scalar), "does not match " + expected.Scalar);
                case ControlOperator.Empty:
                    return new Expectation(op, expected, IsEmpty, "empty");
                case ControlOperator.NotEmpty:
                    return new Expectation(op, expected, v => !IsEmpty(v), "set, not empty");
                default:
                    throw new ArgumentException($"unknown operator {op}.");
            }
        }

        /// <summary>Tests a reported value (the evaluator never asks about one that was not reported).</summary>
        public bool Test(FactValue value) => _test(value);

        private static bool IsEmpty(FactValue v) =>
            v.IsAbsent || (v.Scalar != null && v.Scalar.Trim().Length == 0) || (v.List != null && v.List.Count == 0);

        private static bool SameValue(FactValue actual, FactValue expected)
        {
            if (expected.List != null)
                return actual.List != null && actual.List.Count == expected.List.Count
                    && actual.List.OrderBy(x => x, StringComparer.OrdinalIgnoreCase)
                        .SequenceEqual(expected.List.OrderBy(x => x, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
            if (actual.Scalar == null || expected.Scalar == null) return actual.Scalar == expected.Scalar && actual.IsAbsent == expected.IsAbsent;
            if (Number(actual.Scalar) is decimal a && Number(expected.Scalar) is decimal e) return a == e;
            return string.Equals(actual.Scalar, expected.Scalar, StringComparison.OrdinalIgnoreCase);
        }

        private static void RequireScalarOrList(ControlOperator op, FactValue expected)
        {
            if (expected.IsAbsent) throw new ArgumentException($"operator {op} needs an expected value.");
        }

        private static decimal? Number(string? text) =>
            text != null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (decimal?)null;
    }
}
