using System.Diagnostics;
using SsdLite.Fuzz;

namespace SsdLite.Tools.Tests;

/// <summary>
/// The suite replays the fuzz targets' seed corpus and every finding (tests/fuzz): each input ends, within a few
/// seconds, in the reader's result or a named refusal. It does not fuzz; scripts/fuzz.sh does.
/// </summary>
public class FuzzReplayTests
{
    private static string FuzzFolder => Path.Combine(AppContext.BaseDirectory, "Data", "fuzz");

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "corpus", "findings" })
        {
            foreach (var target in FuzzTargets.Names)
            {
                var folder = Path.Combine(FuzzFolder, kind, target);
                if (!Directory.Exists(folder)) continue;
                foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
                    data.Add(target, Path.GetRelativePath(FuzzFolder, file));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EachInputEndsInAResultOrANamedRefusal(string target, string input)
    {
        using var work = new TempFolder("fuzz-replay");
        var clock = Stopwatch.StartNew();
        FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(FuzzFolder, input)), work.Path);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{input} took {clock.Elapsed}");
    }

    [Fact]
    public void EveryTargetHasASeedCorpus()
    {
        foreach (var target in FuzzTargets.Names)
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(FuzzFolder, "corpus", target)));
    }
}
