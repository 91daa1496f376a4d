using SsdLite.Tools.Bench;

namespace SsdLite.Tools.Tests;

public sealed class SamplerTests
{
    [Fact]
    public void SettlingCallsPrecedeEachTimedCallOfTheSameAction()
    {
        var calls = new List<char>();
        var samples = Sampler.Interleave([() => calls.Add('a'), () => calls.Add('b')], warmup: 1, iterations: 2, settle: 2);
        // Warm-up "ab", then per round each action three times in a row: two untimed, one timed.
        Assert.Equal("ab" + "aaabbb" + "aaabbb", new string([.. calls]));
        Assert.All(samples, s => Assert.Equal(2, s.Count));
    }
}
