using SsdLite.Core;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Bench;

/// <summary>The parts of <c>ssdlite bench</c>.</summary>
[Flags]
public enum BenchParts
{
    None = 0,
    Inference = 2,
    Train = 4,
    Loader = 8,
    Detect = 16,
    Onnx = 32,

    /// <summary>Video against images (needs ffmpeg, so not part of <see cref="All"/>).</summary>
    Video = 64,

    /// <summary>In-graph NMS against SsdLite's post-processing.</summary>
    Nms = 128,
    All = Inference | Train | Loader | Detect | Onnx | Nms,
}

/// <summary>What to measure and how often.</summary>
public sealed record BenchSettings
{
    public BenchParts Parts { get; init; } = BenchParts.All;

    /// <summary>libtorch intra-op threads (the process default when 0).</summary>
    public int Threads { get; init; }

    /// <summary>Timed repetitions per case; the median is reported.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Untimed repetitions before timing.</summary>
    public int Warmup { get; init; } = 3;

    public IReadOnlyList<int> InferenceBatchSizes { get; init; } = [1, 8];

    public IReadOnlyList<int> TrainBatchSizes { get; init; } = [16, 32];

    /// <summary>The precisions the channels-last training step runs in (the NCHW step always runs in fp32).</summary>
    public IReadOnlyList<Training.TrainPrecision> TrainPrecisions { get; init; } = [Training.TrainPrecision.Fp32];

    /// <summary>Also report each channels-last training step's phases (forward, loss, backward, optimizer, host).</summary>
    public bool TrainBreakdown { get; init; }

    /// <summary>Also time the fp32 channels-last step with freeze_base_net (the backbone frozen, BatchNorm held).</summary>
    public bool TrainFreeze { get; init; }

    /// <summary>
    /// The detector the inference and train parts measure (null: mb2-ssd-lite); for the detect part's weights, the
    /// architecture of a reference .pth whose keys do not tell it.
    /// </summary>
    public SsdArch? Arch { get; init; }

    /// <summary>The architecture of the parts' random-weight models.</summary>
    public SsdArch ModelArch => Arch ?? SsdArch.Mb2SsdLite;

    public double Width { get; init; } = 1.0;

    public int InputSize { get; init; } = 300;

    public int ClassCountWithBackground { get; init; } = 21;

    /// <summary>Synthetic VOC-sized JPEGs the loader part decodes and augments.</summary>
    public int LoaderImages { get; init; } = 96;

    public IReadOnlyList<int> LoaderWorkers { get; init; } = [1, 2];

    /// <summary>Weights for the detect part (a checkpoint or a reference .pth); a seeded random model when null.</summary>
    public string? DetectWeights { get; init; }

    /// <summary>Labels file for reference .pth weights.</summary>
    public string? DetectLabels { get; init; }

    /// <summary>A folder, file or glob of images for the detect part; synthetic JPEGs when null.</summary>
    public string? DetectImages { get; init; }

    /// <summary>Images per run of the detect pipeline's throughput cases (0: skip them); VOC-sized synthetic JPEGs by default.</summary>
    public int DetectThroughputImages { get; init; } = 100;

    /// <summary>Decoding worker counts the throughput cases run with, each with and without drawing.</summary>
    public IReadOnlyList<int> DetectWorkers { get; init; } = [1, 2];

    /// <summary>Timed pipeline runs per throughput case, interleaved round by round.</summary>
    public int DetectRounds { get; init; } = 3;

    /// <summary>Frames of the video part's 720p clip (and of its extracted JPEGs).</summary>
    public int VideoFrames { get; init; } = 48;

    /// <summary>Timed runs per video case, interleaved round by round (median reported).</summary>
    public int VideoRounds { get; init; } = 3;

    /// <summary>
    /// The score thresholds the nms part exports and post-processes at: detect's default, and a low one under which
    /// every class of a random-weight model keeps its 200 candidates.
    /// </summary>
    public IReadOnlyList<float> NmsScoreThresholds { get; init; } = [0.4f, 0.01f];

    public string? JsonPath { get; init; }

    /// <summary>Undo the bridge's malloc tuning (<see cref="GlibcMalloc.RestoreDefaults"/>) before measuring.</summary>
    public bool GlibcMallocDefaults { get; init; }
}
