using SsdLite.Tools.Bench;

namespace SsdLite.Tools.Tests;

/// <summary>
/// bench --part video runs end to end on a real 720p H.264 file made by ffmpeg: each engine's video and JPEG cases,
/// every case over all of the clip's frames (the part throws otherwise), and the ratios taken round by round.
/// </summary>
[Collection("training")]
public sealed class VideoBenchTests
{
    [Fact]
    public void VideoPartTimesVideoAgainstJpegsOnEachEngineAndTheirRatios()
    {
        var settings = TestData.TinyBench(BenchParts.Video) with
        {
            Threads = 1,
            VideoFrames = 9,
            VideoRounds = 2,
        };
        var rows = VideoBench.Run(settings).ToList();
        string[] engines = ["TorchSharp", "ONNX fp32 1t", "ONNX int8 1t"];
        foreach (var engine in engines)
        {
            var video = rows.Single(r => r.Case == $"{engine}, 720p video");
            var jpegs = rows.Single(r => r.Case == $"{engine}, 720p JPEGs");
            Assert.All(new[] { video, jpegs }, r => Assert.Equal(2, r.Samples));
            // ms per frame, so the items/s column is frames/s.
            Assert.Equal(1000 / video.Median, video.Throughput!.Value, 6);
            var ratio = rows.Single(r => r.Case == $"{engine}: video over JPEGs (x)");
            // A median of per-round ratios lies between the extreme ratios the two rows allow.
            Assert.InRange(ratio.Median, jpegs.Min / video.Max, jpegs.Max / video.Min);
        }
        var plain = rows.Single(r => r.Case == "ONNX int8 1t, 720p video");
        var drawn = rows.Single(r => r.Case == "ONNX int8 1t, 720p video → mp4");
        Assert.InRange(rows.Single(r => r.Case == "video: int8 → mp4 over int8 (x)").Median, plain.Min / drawn.Max, plain.Max / drawn.Min);
        Assert.Equal(7 + 3 + 3, rows.Count);
    }
}
