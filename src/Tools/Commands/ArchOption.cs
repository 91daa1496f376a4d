using System.CommandLine;
using SsdLite.Core;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Commands;

/// <summary>The <c>--arch</c> option: one of the architecture names, checked by the parser.</summary>
internal static class ArchOption
{
    public static Option<string?> Create(string description)
    {
        var option = new Option<string?>("--arch") { Description = $"{description} ({SsdArchs.Names})" };
        option.AcceptOnlyFromAmong([.. SsdArchs.All.Select(a => a.Name())]);
        return option;
    }

    public static SsdArch? Value(ParseResult result, Option<string?> option) =>
        result.GetValue(option) is { } name ? SsdArchs.Parse(name) : null;
}
