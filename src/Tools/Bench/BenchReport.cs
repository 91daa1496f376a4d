using System.Globalization;
using System.Text.Json;
using SsdLite.Core;

namespace SsdLite.Tools.Bench;

/// <summary>The table on the console and the JSON file.</summary>
public static class BenchReport
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void PrintHeader(TextWriter output, MachineInfo machine, BenchSettings settings)
    {
        output.WriteLine($"machine: {machine}");
        output.WriteLine($"settings: {settings.ModelArch.Name()}, width {Format(settings.Width)}, input {settings.InputSize}, {settings.ClassCountWithBackground} classes, " +
            $"{settings.Iterations} timed iterations after {settings.Warmup} warm-up; median (min-max)");
        if (settings.GlibcMallocDefaults) output.WriteLine("malloc: glibc defaults restored (the engine's mallopt tuning undone)");
        output.WriteLine($"{"part",-10} {"case",-40} {"median",12} {"min-max",20} {"items/s",10}");
    }

    public static void PrintRow(TextWriter output, Measurement m)
    {
        var median = $"{Format(m.Median)} {m.Unit}";
        var spread = $"{Format(m.Min)}-{Format(m.Max)}";
        var throughput = m.Throughput is { } t ? Format(t) : "";
        output.WriteLine($"{m.Part,-10} {m.Case,-40} {median,12} {spread,20} {throughput,10}");
    }

    public static void WriteJson(string path, MachineInfo machine, BenchSettings settings, IReadOnlyList<Measurement> rows)
    {
        var document = new { machine, settings = SettingsView(settings), results = rows };
        File.WriteAllText(path, JsonSerializer.Serialize(document, JsonOptions));
    }

    private static object SettingsView(BenchSettings s) => new
    {
        parts = s.Parts.ToString(),
        s.Iterations,
        s.Warmup,
        arch = s.ModelArch.Name(),
        s.Width,
        s.InputSize,
        NumClasses = s.ClassCountWithBackground, // the report's key since its first version
        s.InferenceBatchSizes,
        s.TrainBatchSizes,
        s.LoaderImages,
        s.LoaderWorkers,
        s.DetectThroughputImages,
        s.DetectWorkers,
        s.DetectRounds,
        s.VideoFrames,
        s.VideoRounds,
        s.NmsScoreThresholds,
        s.GlibcMallocDefaults,
    };

    private static string Format(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "F0" : Math.Abs(value) >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
}
